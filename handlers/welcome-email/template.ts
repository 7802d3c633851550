/**
 * The welcome e-mail: subject, text and HTML bodies rendered from templates bundled as text modules
 * (no file reads at run time). Placeholders are `{{name}}`; every value is escaped for HTML in the HTML body.
 */
import htmlTemplate from "./templates/welcome.html";
import subjectTemplate from "./templates/welcome.subject.txt";
import textTemplate from "./templates/welcome.txt";

export interface WelcomeValues {
  readonly name: string;
  readonly email: string;
  readonly siteName: string;
  readonly siteUrl: string;
}

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** A template names a placeholder that has no value: a programming error, caught by the tests. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemplateError";
  }
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

export function renderTemplate(
  template: string,
  values: Readonly<Record<string, string>>,
  escape: (value: string) => string = (value) => value,
): string {
  return template.replace(/\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g, (_match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new TemplateError(`Template placeholder {{${key}}} has no value`);
    return escape(value);
  });
}

export function renderWelcomeEmail(values: WelcomeValues): RenderedEmail {
  const fields = { ...values };
  return {
    // One line: a subject never carries the template's trailing newline.
    subject: renderTemplate(subjectTemplate, fields).trim(),
    text: renderTemplate(textTemplate, fields),
    html: renderTemplate(htmlTemplate, fields, escapeHtml),
  };
}
