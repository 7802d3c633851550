/** The script of `post.html` (`<body data-page="post">`): only the code that page runs (web/build.ts). */
import { initPost } from "../pages/post";

initPost();
