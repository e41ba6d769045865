"""Properties of the pure rules, checked on generated input (Hypothesis).

Email addresses: the lookup form and the log-safe form. Templates: one-pass substitution that
never re-reads a value, and HTML escaping that a reader can always undo.
"""

from __future__ import annotations

import html
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from service.accounts.email_address import address_problem, masked, normalized
from service.studies.templates import SIGN_IN_VARIABLES, substitute

BOUNDED = settings(max_examples=200, deadline=None, database=None)

# --- email addresses ----------------------------------------------------------------------

# Characters every address rule accepts between dots. "*" is left out: masked() writes "***"
# after the first character, so a local part like "a***" would mask to itself.
SAFE_LOCAL = string.ascii_letters + string.digits + "!#$%&'+-/=^_`{|}~"
SAFE_LABEL = string.ascii_letters + string.digits
# What str.strip() removes: ASCII and Unicode white space.
WHITESPACE = " \t\n\r\x0b\x0c\u00a0\u1680\u2003\u2028\u2029\u3000"

# Dot-atoms: words joined by single dots, at most 64 characters in all.
local_parts = st.lists(st.text(SAFE_LOCAL, min_size=1, max_size=15), min_size=1, max_size=4).map(
    ".".join
)
# Host names: labels that start and end with a letter or digit, hyphens only inside.
labels = st.builds(
    "{}{}".format,
    st.text(SAFE_LABEL, min_size=1, max_size=10),
    st.text(SAFE_LABEL + "-", max_size=8).map(lambda inner: inner + "x" if inner else ""),
)
domains = st.lists(labels, min_size=1, max_size=3).map(lambda parts: ".".join([*parts, "org"]))
addresses = st.builds("{}@{}".format, local_parts, domains)
padding = st.text(WHITESPACE, max_size=3)


def _flip(text: str, flips: list[bool]) -> str:
    return "".join(
        char.swapcase() if index < len(flips) and flips[index] else char
        for index, char in enumerate(text)
    )


@BOUNDED
@given(st.text())
def test_normalized_is_idempotent(text: str) -> None:
    assert normalized(normalized(text)) == normalized(text)


@BOUNDED
@given(addresses, st.lists(st.booleans(), max_size=160), padding, padding)
def test_normalized_ignores_case_and_surrounding_white_space(
    address: str, flips: list[bool], before: str, after: str
) -> None:
    variant = before + _flip(address, flips) + after
    assert normalized(variant) == normalized(address)
    assert normalized(address.upper()) == normalized(address.lower()) == normalized(address)


@BOUNDED
@given(addresses, padding, padding)
def test_every_safe_address_is_accepted(address: str, before: str, after: str) -> None:
    assert address_problem(address) is None
    assert address_problem(before + address + after) is None


@BOUNDED
@given(local_parts.filter(lambda local: len(local) > 1), domains, padding)
def test_the_masked_form_never_holds_the_local_part(local: str, domain: str, pad: str) -> None:
    shown = masked(pad + f"{local}@{domain}" + pad)
    shown_local, at, shown_domain = shown.rpartition("@")
    assert at == "@"
    assert shown_domain == domain
    assert shown_local.startswith(local[0])
    assert local not in shown_local
    assert f"{local}@" not in shown


# --- template substitution ----------------------------------------------------------------

VARIABLES = sorted(SIGN_IN_VARIABLES)
# Values that look like variables are the interesting ones: they must stay literal.
values_texts = st.one_of(
    st.text(),
    st.sampled_from(["${token}", "${url}", "$${email}", "${", "}", "${unknown}", "<b>&amp;</b>"]),
    st.lists(st.sampled_from(["${token}", "${", "$", "{", "}", "token", "<", "&", '"'])).map(
        "".join
    ),
)
value_maps = st.fixed_dictionaries({name: values_texts for name in VARIABLES})
# Literal template text: anything that does not open a variable.
literals = st.text().filter(lambda text: "${" not in text)


class Template:
    """Literal, variable, literal, ... alternating, so two literals never join into a "${"."""

    def __init__(self, literals: list[str], names: list[str]) -> None:
        self.literals = literals
        self.names = names
        self.text = literals[0] + "".join(
            "${" + name + "}" + literal for name, literal in zip(names, literals[1:], strict=True)
        )

    def expected(self, values: dict[str, str]) -> str:
        return self.literals[0] + "".join(
            values[name] + literal
            for name, literal in zip(self.names, self.literals[1:], strict=True)
        )


@st.composite
def templates(draw: st.DrawFn) -> Template:
    names = draw(st.lists(st.sampled_from(VARIABLES), max_size=6))
    return Template(
        draw(st.lists(literals, min_size=len(names) + 1, max_size=len(names) + 1)), names
    )


@BOUNDED
@given(templates(), value_maps)
def test_each_known_variable_becomes_exactly_its_value(
    template: Template, values: dict[str, str]
) -> None:
    assert substitute(template.text, values) == template.expected(values)


@BOUNDED
@given(value_maps)
def test_a_value_is_never_substituted_again(values: dict[str, str]) -> None:
    text = "".join("${" + name + "}|" for name in VARIABLES)
    assert substitute(text, values) == "".join(values[name] + "|" for name in VARIABLES)


@BOUNDED
@given(literals, value_maps)
def test_text_without_variables_is_unchanged(text: str, values: dict[str, str]) -> None:
    assert substitute(text, values) == text
    assert substitute(text, values, escape_html=True) == text


# --- HTML escaping ------------------------------------------------------------------------


@BOUNDED
@given(st.sampled_from(VARIABLES), values_texts, value_maps)
def test_html_values_are_escaped_and_recoverable(
    name: str, value: str, others: dict[str, str]
) -> None:
    values = {**others, name: value}
    output = substitute("<p>${" + name + "}</p>", values, escape_html=True)
    assert output.startswith("<p>")
    assert output.endswith("</p>")
    inserted = output[len("<p>") : -len("</p>")]
    for raw in ("<", ">", '"'):
        assert raw not in inserted
    assert html.unescape(inserted) == value


@BOUNDED
@given(templates(), value_maps)
def test_html_substitution_is_the_plain_one_with_escaped_values(
    template: Template, values: dict[str, str]
) -> None:
    escaped = {name: html.escape(value, quote=True) for name, value in values.items()}
    assert substitute(template.text, values, escape_html=True) == template.expected(escaped)
