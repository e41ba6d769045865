"""The only package that talks to Redis: key names, Lua scripts and the stores built on them."""
