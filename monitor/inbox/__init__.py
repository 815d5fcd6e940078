"""The web inbox: the team's leads (opportunities and risks) in a browser, with the same
actions as the Slack buttons. Served by `kulak run` and `kulak inbox`."""
