"""The LINE channel: residents ask on the city's LINE official account, answered by the same path as the chat."""
