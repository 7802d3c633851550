/** The script of `index.html` (`<body data-page="home">`): only the code that page runs (web/build.ts). */
import { initHome } from "../pages/home";

initHome();
