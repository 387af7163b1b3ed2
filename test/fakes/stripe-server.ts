import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addMonthsClamped } from '../../src/domain/periods.ts';
import { FakePaymentIntents, PaymentIntentError } from './stripe-payment-intents.ts';

/**
 * A stand-in for the parts of Stripe's API Tally calls, on loopback, speaking its wire format:
 * Bearer secret keys, form-encoded request bodies with bracketed nested keys
 * (`line_items[0][price_data][currency]=usd`), JSON objects with an `object` field and Stripe-shaped
 * ids (`cs_test_...`, `sub_...`), Idempotency-Key replays, and the error body
 * `{error: {type, code, message, param}}`. It plays the customer as well: `pay()` completes a
 * Checkout Session, `renew()` bills the next month, and each sends the events Stripe would, signed
 * like Stripe signs them (`Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`),
 * POSTed to the webhook URL after the API reply, as Stripe does.
 *
 * It also serves a one-button checkout page at each session's `url`, so a person (or a browser test)
 * can "pay" in the demo.
 */

export const FAKE_STRIPE_SECRET_KEY = 'sk_test_tallyfake0123456789';
export const FAKE_STRIPE_WEBHOOK_SECRET = 'whsec_tallyfake0123456789abcdef';
const API_VERSION = '2026-10-28.endive';

type Json = Record<string, unknown>;

interface Price {
  id: string;
  object: 'price';
  currency: string;
  unit_amount: number;
  recurring: { interval: 'month'; interval_count: 1 } | null;
  product: string;
  type: 'recurring' | 'one_time';
}

interface SessionRecord {
  object: Json & { id: string; mode: 'payment' | 'subscription'; metadata: Record<string, string> };
  price: Price;
  subscriptionMetadata: Record<string, string>;
}

interface SubscriptionRecord {
  object: Json & {
    id: string;
    customer: string;
    status: string;
    metadata: Record<string, string>;
    cancel_at_period_end: boolean;
    items: {
      object: 'list';
      data: Array<Json & { id: string; price: Price; current_period_start: number; current_period_end: number }>;
    };
  };
}

export interface FakeStripeRequest {
  method: string;
  path: string;
  params: Json;
  idempotencyKey: string | null;
  status: number;
}

export interface Delivery {
  eventId: string;
  type: string;
  status: number;
  body: string;
}

export interface FakeStripeOptions {
  port?: number;
  /** Stripe's clock: object times, billing periods and signature timestamps. */
  now?: () => Date;
  /** Where events are POSTed; can be set later with `webhookUrl`. */
  webhookUrl?: string | null;
}

const seconds = (at: Date): number => Math.floor(at.getTime() / 1000);

/** Stripe's ids: a type prefix and random letters and digits. */
function stripeId(prefix: string): string {
  return `${prefix}_${randomBytes(18).toString('base64url').replace(/[-_]/g, '').slice(0, 24)}`;
}

/** Decodes Stripe's form encoding: `a[b][0][c]=x` becomes `{a: {b: [{c: 'x'}]}}`. */
export function parseStripeForm(body: string): Json {
  const root: Json = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.split(/\[|\]\[|\]/).filter((part) => part !== '');
    let node: Record<string, unknown> | unknown[] = root;
    parts.forEach((part, index) => {
      const last = index === parts.length - 1;
      const nextIsIndex = /^\d+$/.test(parts[index + 1] ?? '');
      const container = node as Record<string, unknown>;
      if (last) {
        container[part] = value;
        return;
      }
      container[part] ??= nextIsIndex ? [] : {};
      node = container[part] as Record<string, unknown>;
    });
  }
  return root;
}

class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { type: string; message: string; code?: string; param?: string },
  ) {
    super(body.message);
  }
}

const missing = (param: string) =>
  new StripeApiError(400, {
    type: 'invalid_request_error',
    code: 'parameter_missing',
    message: `Missing required param: ${param}.`,
    param,
  });

const noSuch = (what: string, id: string) =>
  new StripeApiError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${what}: '${id}'`,
    param: 'id',
  });

export class FakeStripe {
  readonly requests: FakeStripeRequest[] = [];
  readonly deliveries: Delivery[] = [];
  readonly sessions = new Map<string, SessionRecord>();
  readonly subscriptions = new Map<string, SubscriptionRecord>();
  readonly events = new Map<string, Json>();
  /** Saved cards and off-session payments (stripe-payment-intents.ts). */
  readonly paymentIntents: FakePaymentIntents;
  webhookUrl: string | null;
  /** The next API call answers with this error instead (a Stripe outage or a refusal). */
  failNext: { status: number; type: string; message: string; code?: string } | null = null;
  private readonly now: () => Date;
  private readonly replays = new Map<string, { status: number; body: string }>();
  private pending: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    options: FakeStripeOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.webhookUrl = options.webhookUrl ?? null;
    this.paymentIntents = new FakePaymentIntents(this.now, (type, object) => this.send(type, object), this.url);
  }

  static async start(options: FakeStripeOptions = {}): Promise<FakeStripe> {
    let fake: FakeStripe | null = null;
    const server = createServer((request, response) => {
      if (fake) void fake.serve(request, response);
    });
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeStripe(server, `http://127.0.0.1:${port}`, options);
    return fake;
  }

  async stop(): Promise<void> {
    await this.settled();
    await new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  /** Waits until every event sent so far has been delivered. */
  async settled(): Promise<void> {
    let seen: Promise<unknown> | null = null;
    while (seen !== this.pending) {
      seen = this.pending;
      await seen;
    }
  }

  /** The customer pays a Checkout Session: it completes, and Stripe's events follow. */
  async pay(sessionId: string, options: { invoiceFirst?: boolean } = {}): Promise<void> {
    const record = this.sessions.get(sessionId);
    if (!record) throw new Error(`no session ${sessionId}`);
    if (record.object.status === 'complete') throw new Error(`session ${sessionId} is already paid`);
    const now = this.now();
    const customer = (record.object.customer as string | null) ?? stripeId('cus');
    // Checkout saves the card it charged to the customer, for later off-session payments.
    if (!this.paymentIntents.cards.has(customer)) this.paymentIntents.saveCard(customer);
    Object.assign(record.object, { status: 'complete', payment_status: 'paid', customer });
    if (record.object.mode === 'payment') {
      const intent = this.paymentIntents.paidByCheckout(
        customer,
        Number(record.object.amount_total),
        String(record.object.currency),
      ).id;
      Object.assign(record.object, { payment_intent: intent });
      this.send('checkout.session.completed', { ...record.object });
      return this.settled();
    }
    const subscription = this.createSubscription(customer, record.price, record.subscriptionMetadata, now);
    const invoice = this.invoice(subscription, 'subscription_create');
    Object.assign(record.object, { subscription: subscription.object.id, invoice: invoice.id });
    if (options.invoiceFirst) this.send('invoice.paid', invoice);
    this.send('checkout.session.completed', { ...record.object });
    if (!options.invoiceFirst) this.send('invoice.paid', invoice);
    return this.settled();
  }

  /** Bills the next month of a subscription whose period has ended by Stripe's clock: `invoice.paid`, or `invoice.payment_failed`. */
  async renew(subscriptionId: string, options: { fail?: boolean } = {}): Promise<void> {
    const record = this.subscriptions.get(subscriptionId);
    if (!record) throw new Error(`no subscription ${subscriptionId}`);
    const item = record.object.items.data[0];
    if (!item) throw new Error('subscription without items');
    const start = new Date(item.current_period_end * 1000);
    if (start.getTime() > this.now().getTime()) throw new Error(`subscription ${subscriptionId} is not due yet`);
    if (options.fail) {
      record.object.status = 'past_due';
      this.send('invoice.payment_failed', { ...this.invoice(record, 'subscription_cycle', start), status: 'open' });
      return this.settled();
    }
    item.current_period_start = seconds(start);
    item.current_period_end = seconds(addMonthsClamped(start, 1));
    record.object.status = 'active';
    this.send('invoice.paid', this.invoice(record, 'subscription_cycle'));
    return this.settled();
  }

  /** Sends an event already sent once more, as Stripe does when it is unsure of a delivery. */
  async redeliver(eventId: string): Promise<void> {
    const event = this.events.get(eventId);
    if (!event) throw new Error(`no event ${eventId}`);
    this.enqueue(event);
    return this.settled();
  }

  /** A Stripe-Signature header for `payload` at Stripe's current time, with `secret`. */
  signature(payload: string, secret = FAKE_STRIPE_WEBHOOK_SECRET, at = this.now()): string {
    const timestamp = seconds(at);
    const signed = createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex');
    return `t=${timestamp},v1=${signed}`;
  }

  private send(type: string, object: Json): void {
    const event = {
      id: stripeId('evt'),
      object: 'event',
      api_version: API_VERSION,
      created: seconds(this.now()),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
    this.events.set(event.id, event);
    this.enqueue(event);
  }

  private enqueue(event: Json): void {
    // After the API reply, in order, like Stripe's webhook delivery.
    this.pending = this.pending.then(() => this.deliver(event)).catch(() => undefined);
  }

  private async deliver(event: Json): Promise<void> {
    if (!this.webhookUrl) return;
    const payload = JSON.stringify(event, null, 2);
    const response = await fetch(this.webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        'stripe-signature': this.signature(payload),
      },
      body: payload,
    });
    this.deliveries.push({
      eventId: String(event.id),
      type: String(event.type),
      status: response.status,
      body: await response.text(),
    });
  }

  private createSubscription(
    customer: string,
    price: Price,
    metadata: Record<string, string>,
    now: Date,
  ): SubscriptionRecord {
    const id = stripeId('sub');
    const record: SubscriptionRecord = {
      object: {
        id,
        object: 'subscription',
        customer,
        status: 'active',
        cancel_at_period_end: false,
        canceled_at: null,
        cancellation_details: { comment: null, feedback: null, reason: null },
        created: seconds(now),
        billing_cycle_anchor: seconds(now),
        currency: price.currency,
        livemode: false,
        metadata,
        items: {
          object: 'list',
          data: [
            {
              id: stripeId('si'),
              object: 'subscription_item',
              subscription: id,
              quantity: 1,
              price,
              current_period_start: seconds(now),
              current_period_end: seconds(addMonthsClamped(now, 1)),
            },
          ],
        },
      },
    };
    this.subscriptions.set(id, record);
    return record;
  }

  /** An invoice for the subscription's current item period (or the one starting at `from`). */
  private invoice(record: SubscriptionRecord, reason: string, from?: Date): Json {
    const item = record.object.items.data[0];
    if (!item) throw new Error('subscription without items');
    const start = from ? seconds(from) : item.current_period_start;
    const end = from ? seconds(addMonthsClamped(from, 1)) : item.current_period_end;
    const amount = item.price.unit_amount;
    const id = stripeId('in');
    return {
      id,
      hosted_invoice_url: `${this.url}/invoices/${id}`,
      object: 'invoice',
      customer: record.object.customer,
      currency: item.price.currency,
      amount_due: amount,
      amount_paid: from ? 0 : amount,
      billing_reason: reason,
      status: 'paid',
      created: seconds(this.now()),
      period_start: start,
      period_end: start,
      livemode: false,
      metadata: {},
      lines: {
        object: 'list',
        has_more: false,
        data: [
          {
            id: stripeId('il'),
            object: 'line_item',
            amount,
            currency: item.price.currency,
            description: `1 × ${item.price.product}`,
            period: { start, end },
            quantity: 1,
          },
        ],
      },
      parent: {
        type: 'subscription_details',
        quote_details: null,
        subscription_details: { subscription: record.object.id, metadata: record.object.metadata },
      },
    };
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', this.url);
    const method = request.method ?? 'GET';

    if (url.pathname.startsWith('/c/pay/')) return this.checkoutPage(method, url, response);

    // Like Stripe's clients, GET and DELETE carry their parameters in the query string.
    const params = parseStripeForm(method === 'GET' || method === 'DELETE' ? url.search.slice(1) : body);
    const idempotencyKey = (request.headers['idempotency-key'] as string | undefined) ?? null;
    const record = (status: number) =>
      this.requests.push({ method, path: url.pathname, params, idempotencyKey, status });
    const answer = (status: number, json: unknown) => {
      const text = JSON.stringify(json, null, 2);
      if (idempotencyKey && method === 'POST') this.replays.set(idempotencyKey, { status, body: text });
      record(status);
      response.writeHead(status, { 'content-type': 'application/json', 'request-id': stripeId('req') });
      response.end(text);
    };

    if (request.headers.authorization !== `Bearer ${FAKE_STRIPE_SECRET_KEY}`) {
      return answer(401, {
        error: {
          type: 'invalid_request_error',
          message: 'Invalid API Key provided: sk_test_********',
        },
      });
    }
    const replay = idempotencyKey && method === 'POST' ? this.replays.get(idempotencyKey) : undefined;
    if (replay) {
      record(replay.status);
      response.writeHead(replay.status, { 'content-type': 'application/json', 'idempotent-replayed': 'true' });
      response.end(replay.body);
      return;
    }
    if (this.failNext) {
      const { status, ...error } = this.failNext;
      this.failNext = null;
      return answer(status, { error });
    }
    try {
      answer(200, this.route(method, url.pathname, params));
    } catch (error) {
      if (error instanceof StripeApiError || error instanceof PaymentIntentError) {
        return answer(error.status, { error: error.body });
      }
      answer(500, { error: { type: 'api_error', message: (error as Error).message } });
    }
  }

  private route(method: string, path: string, params: Json): Json {
    if (method === 'POST' && path === '/v1/checkout/sessions') return this.createSession(params);
    if (method === 'POST' && path === '/v1/payment_intents') return { ...this.paymentIntents.create(params) };
    const cards = /^\/v1\/customers\/([^/]+)\/payment_methods$/.exec(path);
    if (cards?.[1] && method === 'GET') return { ...this.paymentIntents.listPaymentMethods(cards[1], params) };
    const subscription = /^\/v1\/subscriptions\/([^/]+)$/.exec(path);
    if (subscription?.[1]) {
      const record = this.subscriptions.get(subscription[1]);
      if (!record) throw noSuch('subscription', subscription[1]);
      if (method === 'GET') return record.object;
      if (method === 'POST') return this.updateSubscription(record, params);
      if (method === 'DELETE') return this.cancelSubscription(record, params);
    }
    const intent = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (intent?.[1] && method === 'GET') return this.paymentIntents.retrieve(intent[1], params);
    const session = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
    if (session?.[1] && method === 'GET') {
      const record = this.sessions.get(session[1]);
      if (!record) throw noSuch('checkout.session', session[1]);
      return record.object;
    }
    throw new StripeApiError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${method}: ${path}).`,
    });
  }

  private price(item: Json): Price {
    if (typeof item.price === 'string') {
      return {
        id: item.price,
        object: 'price',
        currency: 'usd',
        unit_amount: 0,
        recurring: { interval: 'month', interval_count: 1 },
        product: stripeId('prod'),
        type: 'recurring',
      };
    }
    const data = item.price_data as Json | undefined;
    if (!data) throw missing('line_items[0][price]');
    if (!data.currency) throw missing('line_items[0][price_data][currency]');
    const recurring = data.recurring as Json | undefined;
    return {
      id: stripeId('price'),
      object: 'price',
      currency: String(data.currency),
      unit_amount: Number(data.unit_amount ?? 0),
      recurring: recurring ? { interval: 'month', interval_count: 1 } : null,
      product: typeof data.product === 'string' ? data.product : stripeId('prod'),
      type: recurring ? 'recurring' : 'one_time',
    };
  }

  private createSession(params: Json): Json {
    const mode: 'payment' | 'subscription' | null =
      params.mode === 'payment' || params.mode === 'subscription' ? params.mode : null;
    if (!mode) throw missing('mode');
    if (!params.success_url) throw missing('success_url');
    const items = params.line_items as Json[] | undefined;
    const first = items?.[0];
    if (!first) throw missing('line_items');
    const price = this.price(first);
    if (mode === 'subscription' && !price.recurring) {
      throw new StripeApiError(400, {
        type: 'invalid_request_error',
        message: 'You must provide at least one recurring price in `subscription` mode when using prices.',
        param: 'line_items',
      });
    }
    const id = `cs_test_${randomBytes(24).toString('base64url').replace(/[-_]/g, '')}`;
    const now = this.now();
    const object = {
      id,
      object: 'checkout.session',
      amount_subtotal: price.unit_amount,
      amount_total: price.unit_amount,
      cancel_url: params.cancel_url ?? null,
      client_reference_id: (params.client_reference_id as string | undefined) ?? null,
      created: seconds(now),
      currency: price.currency,
      customer: (params.customer as string | undefined) ?? null,
      expires_at: seconds(now) + 86_400,
      invoice: null,
      livemode: false,
      metadata: (params.metadata as Record<string, string> | undefined) ?? {},
      mode,
      payment_intent: null,
      payment_status: 'unpaid',
      status: 'open',
      subscription: null,
      success_url: params.success_url,
      url: `${this.url}/c/pay/${id}`,
    };
    const subscriptionData = params.subscription_data as Json | undefined;
    this.sessions.set(id, {
      object,
      price,
      subscriptionMetadata: (subscriptionData?.metadata as Record<string, string> | undefined) ?? {},
    });
    return object;
  }

  private updateSubscription(record: SubscriptionRecord, params: Json): Json {
    if (params.cancel_at_period_end !== undefined) {
      record.object.cancel_at_period_end = params.cancel_at_period_end === 'true';
    }
    if (params.metadata) Object.assign(record.object.metadata, params.metadata);
    const items = params.items as Json[] | undefined;
    for (const change of items ?? []) {
      const item = record.object.items.data.find((i) => i.id === change.id);
      if (!item) throw noSuch('subscription item', String(change.id));
      item.price = this.price(change);
    }
    return record.object;
  }

  private cancelSubscription(record: SubscriptionRecord, params: Json): Json {
    if (record.object.status === 'canceled') throw noSuch('subscription', record.object.id);
    const details = params.cancellation_details as Json | undefined;
    Object.assign(record.object, {
      status: 'canceled',
      canceled_at: seconds(this.now()),
      cancellation_details: { comment: details?.comment ?? null, feedback: null, reason: 'cancellation_requested' },
    });
    this.send('customer.subscription.deleted', { ...record.object });
    return record.object;
  }

  /** The hosted page: a button that pays, then sends the customer to the success URL. */
  private async checkoutPage(method: string, url: URL, response: ServerResponse): Promise<void> {
    const id = url.pathname.slice('/c/pay/'.length);
    const record = this.sessions.get(id);
    if (!record) {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('No such checkout session.');
      return;
    }
    if (method === 'POST') {
      if (record.object.status !== 'complete') await this.pay(id);
      const success = String(record.object.success_url).replace('{CHECKOUT_SESSION_ID}', id);
      response.writeHead(303, { location: success });
      response.end();
      return;
    }
    const total = (Number(record.object.amount_total) / 100).toFixed(2);
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(
      `<!doctype html><title>Fake Stripe Checkout</title><h1>Fake Stripe Checkout</h1>` +
        `<p>${record.object.mode === 'subscription' ? 'Subscribe' : 'Pay'}: ${total} ${String(record.object.currency).toUpperCase()}</p>` +
        `<form method="post"><button type="submit">Pay</button></form>`,
    );
  }
}
