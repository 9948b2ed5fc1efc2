"""The public pages: the landing page at / (try a compression) and the account dashboard."""
