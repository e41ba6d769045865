"""magiclink: passwordless sign-in for mobile research apps on the Bridge REST contract."""

__version__ = "0.1.0"
