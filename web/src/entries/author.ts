/** The script of `author.html` (`<body data-page="author">`): only the code that page runs (web/build.ts). */
import { initAuthor } from "../pages/author";

initAuthor();
