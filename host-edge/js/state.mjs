// The Durable Object that holds `state: durable_object` guards' instances (README
// "Gateway config"): one object per name (core `state::durable_object_name`: scope, guard,
// server, optionally session), each with an instance table of its own, so every isolate
// and location that calls a name reaches the same instance and state. Like the Worker's
// own pools it only carries calls to the shared runtime: core builds each call (its
// arguments, settings and limits) and words what comes back. An object runs one call
// at a time (Durable Objects are single-threaded); its state is in memory, not storage.
import { DurableObject } from "cloudflare:workers";

import { newPool } from "./bridge.mjs";

export class GuardState extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.pool = newPool();
  }

  /** One guard call (core jshost `JsCall::to_js`), by RPC; returns the runtime's result JSON. */
  callGuard(call) {
    return this.pool.call(call);
  }
}
