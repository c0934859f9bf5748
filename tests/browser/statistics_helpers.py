"""Steps the statistics pages' browser tests share: watching for errors, logging in through
the page's own redirect, and reading which charts Chart.js drew."""

from tests.helpers import PASSWORD


def watch_errors(tab, *, allowed=()) -> list[str]:
    """Script errors and failed responses (favicon apart; `allowed` statuses too, e.g. a
    form sent back with its errors), collected as they happen."""
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on(
        "response",
        lambda r: (
            errors.append(r.url)
            if r.status >= 400 and r.status not in allowed and "favicon" not in r.url
            else None
        ),
    )
    return errors


def log_in(tab, address: str, email: str) -> None:
    """Open `address` and sign in on the login page it redirects to (a venue's or the
    cooperative console's)."""
    tab.goto(address)
    tab.locator("#id_username, input[name=username]").first.fill(email)
    tab.locator("input[type=password]").fill(PASSWORD)
    tab.locator("button[type=submit].btn-primary").first.click()


def open_statistics(tab, address: str, email: str, *, allowed=()) -> list[str]:
    """Log in to a statistics page and wait for its key figures and its deferred chart
    script; returns the live list of errors."""
    errors = watch_errors(tab, allowed=allowed)
    log_in(tab, address, email)
    tab.wait_for_selector(".stats-kpis")
    tab.wait_for_function("() => window.Chart !== undefined")  # deferred scripts ran
    return errors


def drawn_charts(tab) -> set[str]:
    """The charts Chart.js drew on a canvas wider than nothing."""
    drawn = tab.evaluate(
        "[...document.querySelectorAll('canvas[data-chart]')]"
        ".map(c => [c.dataset.chart, !!window.Chart.getChart(c), c.width > 0])"
    )
    return {key for key, chart, wide in drawn if chart and wide}
