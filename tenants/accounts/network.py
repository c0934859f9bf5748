def client_ip(request) -> str:
    """The client address as seen by our own reverse proxy: the right-most entry of
    X-Forwarded-For (the one our proxy appended; entries to its left are client-supplied and
    can be forged), else the socket's address."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")
