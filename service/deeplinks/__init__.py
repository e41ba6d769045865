"""Deep links: the sign-in link itself and the page that answers it."""
