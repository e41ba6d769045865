"""Deep links: the sign-in link, the page that answers it on each device, and the app
association files (and their checker) that let a study's apps open it."""
