"""Test data built the way the product builds it: through the services and their rules.

One module per app; import the factories from here. Objects that the product
creates only through a service are created through that service (as the
platform's system actor unless a test passes `actor`), so a factory can never
make data the product would refuse.
"""
