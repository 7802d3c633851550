/** Where the welcome e-mail's link comes from: SITE_URL as set, or the edge stack's SSM parameter, read once. */
import { siteUrlSource } from "../../../handlers/welcome-email/site-url";

/** A parameter store answering from a list of outcomes, one per read. */
function fakeParameters(outcomes: Array<string | Error>) {
  return jest.fn(async (_name: string) => {
    const next = outcomes.shift();
    if (next instanceof Error) throw next;
    return next;
  });
}

describe("siteUrlSource", () => {
  it("uses SITE_URL as set, without SSM", async () => {
    const read = fakeParameters([]);
    const siteUrl = siteUrlSource({ SITE_URL: "http://127.0.0.1:3000" }, read);
    await expect(siteUrl()).resolves.toBe("http://127.0.0.1:3000");
    expect(read).not.toHaveBeenCalled();
  });

  it("reads the parameter with the first e-mail, not at the cold start, and keeps it for the container", async () => {
    const read = fakeParameters(["https://d111111abcdef8.cloudfront.net"]);
    const siteUrl = siteUrlSource({ SITE_URL_PARAMETER: "/myblog/dev/site-url" }, read);
    expect(read).not.toHaveBeenCalled();
    await expect(siteUrl()).resolves.toBe("https://d111111abcdef8.cloudfront.net");
    await expect(siteUrl()).resolves.toBe("https://d111111abcdef8.cloudfront.net");
    expect(read.mock.calls).toEqual([["/myblog/dev/site-url"]]);
  });

  it("reads again after a failed read, and refuses a value that is no http(s) URL", async () => {
    const read = fakeParameters([new Error("ParameterNotFound"), "ftp://x", "https://blog.example.com"]);
    const siteUrl = siteUrlSource({ SITE_URL_PARAMETER: "/myblog/dev/site-url" }, read);
    await expect(siteUrl()).rejects.toThrow("ParameterNotFound");
    await expect(siteUrl()).rejects.toThrow("The SSM parameter /myblog/dev/site-url holds no http(s) URL");
    await expect(siteUrl()).resolves.toBe("https://blog.example.com");
    expect(read).toHaveBeenCalledTimes(3);
  });
});
