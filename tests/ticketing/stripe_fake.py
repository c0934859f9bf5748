"""localstripe (a stateful local Stripe fake, over HTTP) with the few things Parterre's payments
use that it lacks, for the tests only. Run: `python -m tests.ticketing.stripe_fake --port N`.

What localstripe 1.15.10 falls short of, and what is added here:
- PaymentIntent creation refuses `setup_future_usage` and `description` ("Unexpected …"):
  accepted; a card paid with `setup_future_usage` is then attached to the intent's customer,
  as Stripe does.
- Its Stripe.js (`localstripe-v3.js`) has the Card Element only: no Payment Element
  (`elements({clientSecret})`, `create("payment")`, `confirmPayment`) and no
  `handleNextAction`. They are added on top of it, served at the same `/js.stripe.com/v3/`:
  the "payment" element is localstripe's card inputs, `confirmPayment` creates the card and
  confirms the intent (a small route below, checked with the client secret, as Stripe.js
  does), runs localstripe's own 3-D Secure modal when asked, then goes to `return_url`.
- It saves its state to /tmp/localstripe.pickle after every write (shared by every run on
  the machine): kept in memory only.
"""

from __future__ import annotations

import argparse
import json
import os
import socket

import localstripe.resources as r
import localstripe.server as server
from aiohttp import web
from localstripe.errors import UserError, json_response

r.store.dump_to_disk = lambda: None
r.store.try_load_from_disk = lambda: None

_init = r.PaymentIntent.__init__


def _payment_intent_init(self, setup_future_usage=None, description=None, **kwargs):
    _init(self, **kwargs)
    self.setup_future_usage = setup_future_usage
    self.description = description


_on_success = r.PaymentIntent._on_success


def _payment_intent_on_success(self):
    if getattr(self, "setup_future_usage", None) and self.customer and self.payment_method:
        method = r.PaymentMethod._api_retrieve(self.payment_method)
        method.customer = self.customer
    _on_success(self)


r.PaymentIntent.__init__ = _payment_intent_init
r.PaymentIntent._on_success = _payment_intent_on_success


async def browser_confirm(request):
    """What Stripe.js does for `confirmPayment`: the card typed becomes a PaymentMethod and
    the intent is confirmed with it (a new card after a decline starts a new attempt)."""
    intent = r.PaymentIntent._api_retrieve(request.match_info["id"])
    data = json.loads(await request.text())  # sent as text/plain: no CORS preflight
    if data.get("client_secret") != intent.client_secret:
        raise UserError(401, "Unauthorized")
    try:
        method = r.PaymentMethod._api_create(type="card", card=data["card"])
        intent.payment_method = method.id
        intent.latest_charge = None
        intent._authentication_failed = False
        intent._confirm(on_failure_now=intent._report_failure)
    except UserError as error:
        return json_response(error.body)
    return json_response(intent._export())


PAYMENT_ELEMENT_JS = r"""
// Parterre tests: the Payment Element on top of localstripe's Card Element.
(function () {
  const base = LOCALSTRIPE_BASE_API;
  const original = Stripe;
  Stripe = (apiKey, options) => {
    const stripe = original(apiKey);
    const makeElements = stripe.elements;
    stripe.elements = (opts) => {
      const elements = makeElements();
      elements._clientSecret = opts && opts.clientSecret;
      return elements;
    };
    stripe.confirmPayment = async ({ elements, confirmParams }) => {
      const element = elements.getElement("payment");
      const clientSecret = elements._clientSecret;
      const pi = clientSecret.match(/^(pi_\w+)_secret_/)[1];
      const response = await fetch(`${base}/js.stripe.com/_parterre/confirm/${pi}`, {
        method: "POST",
        headers: { "Content-Type": "text/plain" },
        body: JSON.stringify({ client_secret: clientSecret, card: (element.value || {}).card }),
      });
      let body = await response.json();
      if (body.error) return { error: body.error };
      if (body.status === "requires_action") {
        const done = await stripe.confirmCardPayment(clientSecret);
        if (done.error) return { error: done.error };
        body = done.paymentIntent;
      }
      if (body.status === "requires_payment_method") {
        return { error: body.last_payment_error || { message: "Your card was declined." } };
      }
      const url = new URL(confirmParams.return_url);
      url.searchParams.set("payment_intent", pi);
      url.searchParams.set("redirect_status", body.status);
      window.location.assign(url.toString());
      return {};
    };
    stripe.handleNextAction = async ({ clientSecret }) => stripe.confirmCardPayment(clientSecret);
    return stripe;
  };
})();
"""


async def stripe_js(request):
    path = os.path.join(os.path.dirname(r.__file__), "localstripe-v3.js")
    with open(path) as f:
        text = f.read()
    return web.Response(text=text + PAYMENT_ELEMENT_JS, content_type="application/javascript")


for resource in server.app.router.resources():
    if resource.canonical == "/js.stripe.com/v3/":
        for route in resource:
            route._handler = stripe_js
server.app.router.add_post("/js.stripe.com/_parterre/confirm/{id}", browser_confirm)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    web.run_app(server.app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    main()
