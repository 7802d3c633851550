/**
 * Tiny DOM helpers. Everything on the page is built from nodes and text, never from HTML strings, so post
 * bodies, comments and names cannot inject markup.
 */
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Readonly<Record<string, string | number | boolean | undefined>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node as T;
}

/** Shows a message in a status element (a live region), flagged as an error or not. */
export function say(target: HTMLElement, message: string, isError = false): void {
  target.textContent = message;
  target.classList.toggle("error", isError);
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatDate(iso: string | undefined | null, withTime = false): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return (withTime ? dateTimeFormat : dateFormat).format(date);
}

export function time(iso: string | undefined | null, withTime = false): HTMLTimeElement | null {
  const text = formatDate(iso, withTime);
  return text ? h("time", { datetime: iso ?? "" }, text) : null;
}

export interface FormHandlers<F extends string> {
  /** A message that stops the submission (checked in the page before any request), or undefined. */
  readonly check?: (values: Readonly<Record<F, string>>) => string | undefined;
  /** Sends the values; resolves with the message to show. */
  readonly send: (values: Readonly<Record<F, string>>) => Promise<string>;
  /** Shown when `send` fails with something other than an API error. */
  readonly failure: string;
}

/**
 * Wires a form: on submit, reads the named fields (trimmed), checks them, and sends them with the submit button
 * disabled, showing the outcome (or the API's error message) in `status`.
 */
export function handleSubmit<F extends string>(
  form: HTMLFormElement,
  status: HTMLElement,
  fields: readonly F[],
  handlers: FormHandlers<F>,
): void {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const values = Object.fromEntries(
      fields.map((name) => [name, String(data.get(name) ?? "").trim()]),
    ) as Record<F, string>;
    const problem = handlers.check?.(values);
    if (problem) {
      say(status, problem, true);
      return;
    }
    const button = form.querySelector<HTMLButtonElement>("button[type=submit]");
    if (button) button.disabled = true;
    handlers
      .send(values)
      .then((message) => say(status, message))
      .catch((error: unknown) => say(status, errorMessage(error, handlers.failure), true))
      .finally(() => {
        if (button) button.disabled = false;
      });
  });
}

/** The API's own message for an API error, else `fallback`. */
export function errorMessage(error: unknown, fallback: string): string {
  return error instanceof Error && error.name === "ApiError" ? error.message : fallback;
}
