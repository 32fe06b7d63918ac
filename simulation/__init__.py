"""`make simulate`: many synthetic customers driven through the local stack, so the service report has real data."""
