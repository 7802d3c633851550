/**
 * Every handler validates with `zod/mini` rather than classic `zod`: the same checks and messages, but classic
 * zod cannot be tree-shaken (each schema carries every method), which costs tens of milliseconds of every cold
 * start. Unlike classic zod, `zod/mini` loads no messages by itself; this loads the English ones ("Too big:
 * expected number to be <=65535"), which the API's 400 details and the configuration errors show.
 */
import * as z from "zod/mini";
import { en } from "zod/locales";

z.config(en());
