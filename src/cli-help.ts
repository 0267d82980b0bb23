/** Help texts of the CLI; every option with an example. */

export const MAIN_HELP = `pinconv — warehouse orders to Pinterest offline conversions, hashed and streamed

Usage:
  pinconv send [FILE...] --ad-account ID     send events to the Conversions API
  pinconv send [FILE...] --dry-run           print the request bodies instead
  pinconv csv  [FILE...] --out DIR           write hashed CSV parts for the Ads Manager upload
  pinconv sandbox [--port N]                 a local stand-in of the Conversions API

FILE is CSV, NDJSON or a JSON array, plain or gzip; "-" or no FILE reads stdin.
Run "pinconv <command> --help" for a command's options.

Examples:
  duckdb -csv -c "select * from orders" | pinconv send --ad-account 549755885175
  pinconv send orders.csv --limit 10 --test --ad-account 549755885175
  pinconv csv orders.csv.gz --out upload/

Exit codes: 0 done, 1 fatal, 2 usage, 3 done with rejects or failed events, 130 interrupted.
`;

const INPUT_OPTIONS = `Input:
  --format auto|csv|ndjson|json   input format (default auto: "[" = JSON array, "{" = NDJSON, else CSV)
  --delimiter , | ; | tab | |     CSV delimiter (default: detected from the header line)
  --map SRC=FIELD                 read column SRC as FIELD; repeatable (--map mail=email --map ts=timestamp)
  --max-record-bytes N            longest CSV record or NDJSON line accepted (default 1048576)
  --threads N                     worker threads parsing and hashing CSV/NDJSON (default: the number of
                                  cores; 1 = main thread only; files under 8 MiB, 32 MiB for csv, always
                                  use the main thread)

Field rules:
  --default-country CODE          country of rows without one, for phones and postal codes (default US)
  --default-currency CODE         currency of rows without one (--default-currency EUR)
  --timezone ZONE                 zone of timestamps written without one (default UTC; --timezone America/Chicago)
  --date-order mdy|dmy            reading of birthdates like 05-03-1995 (default mdy)
  --partner-name NAME             partner_name of every event (default ss-amperity)

Events:
  --grouping full|adjacent        full (default): exact for any row order, spills to disk past
                                  --max-open-orders; adjacent: streams input sorted by order_id
  --max-open-orders N             open orders kept in memory before spilling (default 20000;
                                  1000 after a prescan, which leaves few orders open)
  --prescan auto|on|off           full grouping reads a file twice, first for its order ids and
                                  their rows only, so an order leaves as soon as its last row is
                                  read (auto: files of 8 MB or more)
  --temp-dir DIR                  where spill files go (default: the system temp folder)
  --now ISO                       the clock for the time window (--now 2025-01-15T12:00:00Z)
  --limit N                       only the first N events; reading stops once they are out (--limit 10)

Reporting:
  --report FILE                   the run's counts as JSON (--report run.json)
  --rejects FILE                  one JSON line per rejected row or failed event (--rejects rejects.ndjson)
  --rejects-values                also write the rejected raw value (may be personal data)
  --quiet                         no progress and no summary on stderr
  -h, --help                      this help`;

export const SEND_HELP = `pinconv send — normalise, hash, group and send conversion events

Usage:
  pinconv send [FILE...] --ad-account ID [options]
  pinconv send [FILE...] --dry-run [--out FILE] [options]

The access token comes from PINTEREST_ACCESS_TOKEN or --token-file, never from the command line.
Get one in Ads Manager: Conversions > Conversions API > Set up API > Generate new token.

Sending:
  --ad-account ID                 the numeric ad account id (--ad-account 549755885175)
  --dry-run                       send nothing: write each request body as one JSON line to stdout
  --out FILE                      with --dry-run, write the bodies to FILE instead of stdout (- = stdout)
  --test                          send with ?test=true: Pinterest validates but records nothing
  --window-days N                 send events of the last N days (default 7)
  --concurrency N                 requests in flight at most, 1 to 64 (default 4)
  --max-retries N                 retries of one request after 429, 5xx or network errors (default 8)
  --checkpoint FILE               record acknowledged batches; a re-run skips them (--checkpoint run.ckpt)
  --token-file FILE               read the access token from FILE
  --api-base URL                  API origin (default https://api.pinterest.com; http only on loopback)
  --batch-size N                  events per request, 1 to 1000 (default 1000; bodies also stay under 2 MB)
  --timeout-ms N                  one request's time limit (default 60000)
  --base-backoff-ms N             first retry wait; it doubles per retry, with full jitter (default 500)
  --max-backoff-ms N              longest wait between retries, Retry-After included (default 60000)

${INPUT_OPTIONS}

Examples:
  PINTEREST_ACCESS_TOKEN=... pinconv send orders.csv --ad-account 549755885175 --limit 10 --test
  zcat orders.ndjson.gz | pinconv send --ad-account 549755885175 --checkpoint orders.ckpt --report run.json
  pinconv send orders.csv --dry-run --now 2025-01-15T00:00:00Z | head -1 | jq .
`;

export const CSV_HELP = `pinconv csv — hashed CSV files for the offline-conversion upload in Ads Manager

Usage:
  pinconv csv [FILE...] --out DIR [options]
  pinconv csv [FILE...] --out - [options]        one CSV on stdout

Writes DIR/upload-00001.csv, upload-00002.csv, … (each with its header, each under Pinterest's
limits of 10,000,000 rows and 5 GB) and DIR/manifest.json. Only the personal fields the columns
carry are read (email by default); names, address, gender and birthdate are not.

Upload:
  --out DIR|-                     the folder for the parts (created if missing), or - for stdout
  --columns LIST                  the default is email,event_time,event_type,event_source,value,order_id,quantity;
                                  +currency, +phone, +maid add, -quantity removes, NAME=HEADER renames
                                  (--columns +currency,event_source=source_type)
  --window-days N                 keep events of the last N days (default 30)
  --max-rows N                    data rows per part at most (default 9999999)
  --max-bytes N                   bytes per part at most (default 4999999999)
  --force                         replace upload parts already in DIR

${INPUT_OPTIONS}

Examples:
  pinconv csv orders.csv.gz --out upload/
  pinconv csv orders.csv --out - --columns +currency > upload.csv
`;

export const SANDBOX_HELP = `pinconv sandbox — a local stand-in of POST /v5/ad_accounts/{id}/events

Usage:
  pinconv sandbox [options]

Answers like the Conversions API contract: bearer token (401), body validation (400), per-event
statuses (200, 422), ?test=true, stale or future event_time. Prints its URL on stdout.

Options:
  --port N                        port on 127.0.0.1 (default 0: any free port)
  --token TOKEN                   the accepted bearer token (default: PINTEREST_ACCESS_TOKEN, else sandbox-token)
  --fail-rate R                   share of requests answered 503, 0 to 1 (--fail-rate 0.1)
  --reset-rate R                  share of requests whose connection is reset, 0 to 1
  --rate-limit N/min              answer 429 with Retry-After past N requests a minute (--rate-limit 600/min)
  --latency MS                    delay of every answer (--latency 20)
  --max-age-days N                events older than N days fail (default 7)
  --record FILE                   append every accepted event as one JSON line
  --seed N                        seed of the fault injection (default 1)
  --now ISO                       the sandbox's clock for stale/future checks (default: the real clock)
  -h, --help                      this help

Example:
  pinconv sandbox --port 8080 --fail-rate 0.1 --rate-limit 600/min --record arrived.ndjson
`;
