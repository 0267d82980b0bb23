import { Agent, request } from 'undici';
import { EVENTS_PATH } from './contract.js';

export interface ClientOptions {
  apiBase: string;
  adAccount: string;
  token: string;
  test: boolean;
  timeoutMs: number;
  connections: number;
}

export interface ApiAnswer {
  status: number;
  retryAfter: string | string[] | undefined;
  /** Parsed JSON body, or undefined when the body was not JSON. */
  body: unknown;
}

/** One undici dispatcher for the whole run; every response body is read to the end. */
export class ConversionsClient {
  private readonly agent: Agent;
  private readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(options: ClientOptions) {
    this.agent = new Agent({
      connections: options.connections,
      keepAliveTimeout: 10_000,
      connect: { timeout: Math.min(options.timeoutMs, 30_000) },
    });
    this.url = `${options.apiBase}${EVENTS_PATH(options.adAccount)}${options.test ? '?test=true' : ''}`;
    this.headers = {
      authorization: `Bearer ${options.token}`,
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': 'pinconv/0.1',
    };
    this.timeoutMs = options.timeoutMs;
  }

  async post(body: Uint8Array | string): Promise<ApiAnswer> {
    const response = await request(this.url, {
      method: 'POST',
      headers: this.headers,
      body,
      dispatcher: this.agent,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    const text = await response.body.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.statusCode, retryAfter: response.headers['retry-after'], body: parsed };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
