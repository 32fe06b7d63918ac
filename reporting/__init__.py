"""The service report (`make report`): a period's conversation outcomes as one self-contained HTML page."""
