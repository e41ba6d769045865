"""Admin API: other clients' provisioning links that need server-side setup (HCL Sametime).

``GET /v3/provisioning/sametime?host=..`` answers the link ``magiclink provision link
sametime`` prints, and the ``<mobile><configUrl>`` element of ``--stproxyconfig``: both come
from ``service/provisioning/profiles.py``, so the API and the CLI cannot disagree.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.api.operations import Access, Answer, Failure, Operation, Parameter
from service.api.schemas.provisioning import SametimeProvisioning
from service.errors import Invalid
from service.provisioning.profiles import (
    HOST,
    SAMETIME_PARAMS,
    STPROXYCONFIG_REMINDER,
    ProvisioningError,
    SametimeOptions,
    sametime_link,
    stproxyconfig_fragment,
)

_ENTITY = "SametimeProvisioning"
_NAMED = ("host", "port", "user", "communityName")


def _options(request: Request) -> SametimeOptions:
    query = request.query_params
    unknown = [k for k in query if k not in _NAMED and k not in SAMETIME_PARAMS]
    if unknown:
        raise Invalid(_ENTITY, {unknown[0]: [f"{unknown[0]} is not a Sametime parameter"]})
    port_text = query.get("port")
    port = None
    if port_text is not None:
        if not port_text.isascii() or not port_text.isdigit():
            raise Invalid(_ENTITY, {"port": [f"port is a number; got {port_text!r}"]})
        port = int(port_text)
    params = tuple((k, v) for k, v in query.multi_items() if k in SAMETIME_PARAMS)
    return SametimeOptions(
        query.get("host", ""), port, query.get("user"), query.get("communityName"), params
    )


def _field(problem: str) -> str:
    """The query parameter a ProvisioningError is about (its message names the CLI option)."""
    for name in (*SAMETIME_PARAMS, "port", "user", "community name"):
        if name in problem:
            return "communityName" if name == "community name" else name
    return "host"


async def get_sametime(request: Request) -> Response:
    options = _options(request)
    try:
        link = sametime_link(options)
        fragment = stproxyconfig_fragment(link)
    except ProvisioningError as exc:
        raise Invalid(_ENTITY, {_field(str(exc)): [str(exc)]}) from None
    answer = SametimeProvisioning(
        link=link, stproxyconfig=fragment, reminder=STPROXYCONFIG_REMINDER
    )
    return JSONResponse(answer.model_dump(by_alias=True))


# The values the link takes, documented as the code checks them (profiles.py).
_TEXT: dict[str, object] = {"type": "string", "minLength": 1, "pattern": r"\S"}
_BOOLEAN: dict[str, object] = {"type": "string", "enum": ["true", "false"]}
_HOST_SCHEMA: dict[str, object] = {"type": "string", "pattern": HOST.pattern}


def _query(
    name: str, description: str, schema: dict[str, object] = _TEXT, required: bool = False
) -> Parameter:
    return Parameter(name, "query", description, schema, required=required)


operations = [
    Operation(
        "GET",
        "/v3/provisioning/sametime",
        "getSametimeProvisioning",
        get_sametime,
        "Provisioning",
        "An HCL Sametime provisioning link and its stproxyconfig.xml element.",
        {200: Answer("The link and the proxy's configuration element.", SametimeProvisioning)},
        description="The link of `magiclink provision link sametime` and the "
        "`<mobile><configUrl>` element of its `--stproxyconfig`: the administrator puts it "
        "into the Sametime proxy's `stproxyconfig.xml` and restarts the proxy. No password "
        "ever goes into the link.",
        access=Access.ADMIN,
        parameters=(
            _query(
                "host",
                "The Sametime proxy host, like st.example.org.",
                _HOST_SCHEMA,
                required=True,
            ),
            Parameter(
                "port",
                "query",
                "The proxy's port.",
                {"type": "integer", "minimum": 1, "maximum": 65535},
            ),
            _query("user", "The Sametime user name."),
            _query("communityName", "The community's name in the app."),
            *(
                _query(name, "true or false.", _BOOLEAN) if boolean else _query(name, "Text.")
                for name, boolean in SAMETIME_PARAMS.items()
            ),
        ),
        failures={
            400: Failure(
                "A missing or wrong parameter (a password, an unknown one); `errors` names it.",
                ("InvalidEntityException",),
            )
        },
    ),
]
