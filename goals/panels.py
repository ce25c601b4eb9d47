"""Panels other apps add to a goal's page (messaging: the posts about the goal).

Each panel is built with `(membership, goal)`; see `salesmgmt.panels`.
"""

from salesmgmt.panels import PanelRegistry

goal_panels = PanelRegistry("goal_panels")
