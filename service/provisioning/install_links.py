"""Whether a study's onboarding email can get the app onto phones: a warning for researchers.

Without a store link, the onboarding email's store buttons lead to the study's provisioning
page, and that page can only tell participants to install "the app the study team told you
about" and give the support address. Onboarding still goes ahead (the team may have handed
the app out another way), but the researcher hears of it before hundreds of emails go out.
"""

from __future__ import annotations

from service.studies.model import Study


def install_links_warning(study: Study) -> str | None:
    """One sentence for the researcher, or None when the study links both stores."""
    links = study.install_links
    missing = [name for name, url in (("iOS", links.ios), ("Android", links.android)) if not url]
    if not missing:
        return None
    which = " and ".join(missing)
    way_out = (
        f"and to write to {study.support_email}"
        if study.support_email
        else "and names no one to ask (the study has no supportEmail)"
    )
    buttons = "store buttons lead" if len(missing) == 2 else "store button leads"
    return (
        f"Study {study.identifier!r} has no {which} install link: in the onboarding email, its "
        f"{buttons} to the provisioning page, which can only tell participants to install the "
        f"app the study team told them about {way_out}. Add installLinks to the study (App "
        "links) so participants get the app from the store."
    )
