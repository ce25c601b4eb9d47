"""Panels other apps add to a deal's page (messaging: the posts about the deal).

Each panel is built with `(membership, deal)`; see `salesmgmt.panels`.
"""

from salesmgmt.panels import PanelRegistry

deal_panels = PanelRegistry("deal_panels")
