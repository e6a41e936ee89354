// echo-assemblyscript: JSON echo as a WASI command served CGI-style. The answer is
// application/json {"method","path","body"} with the request body as a JSON string (raw text,
// escaped; AssemblyScript has no built-in JSON parser).
import { cgiVar, jsonString, readBody, writeHead } from "./cgi";

const body = String.UTF8.decode(readBody());
writeHead("200 OK", "application/json");
process.stdout.write(
  '{"method":' + jsonString(cgiVar("REQUEST_METHOD")) +
  ',"path":' + jsonString(cgiVar("PATH_INFO")) +
  ',"body":' + jsonString(body) + "}\n",
);
