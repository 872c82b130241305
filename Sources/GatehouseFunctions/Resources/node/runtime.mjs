// Gatehouse's runtime interface client for Node.js: runs a Lambda handler against the Runtime
// API at AWS_LAMBDA_RUNTIME_API, as AWS's nodejs runtimes do.
//
//   node runtime.mjs <file.handler>
//
// The handler is an async function (event, context) or a callback one (event, context,
// callback), exported by a CommonJS or ES module in LAMBDA_TASK_ROOT (.js, .mjs or .cjs).
// console output carries AWS's prefix (time, request id, level) and stays one log event.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { format } from "node:util";

const [authority, ...prefix] = process.env.AWS_LAMBDA_RUNTIME_API.split("/");
const [host, port] = authority.split(":");
const base = `${prefix.length ? "/" + prefix.join("/") : ""}/2018-06-01/runtime`;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One Runtime API call; resolves with { status, headers, body }. */
function call(method, route, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const sent = body === undefined ? undefined : Buffer.from(body);
    const request = http.request(
      { host, port, method, path: `${base}/${route}`, agent,
        headers: sent ? { "Content-Type": "application/json", "Content-Length": sent.length, ...headers } : headers },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
      });
    request.on("error", reject);
    if (sent) request.write(sent);
    request.end();
  });
}

/** AWS's error document: `{errorType, errorMessage, trace}`. */
function errorDocument(error) {
  if (error instanceof Error) {
    return { errorType: error.name || "Error", errorMessage: error.message, trace: (error.stack || "").split("\n") };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

// console.* as AWS writes it: `2024-01-01T00:00:00.000Z\t{request id}\tINFO\tmessage`, newlines
// as \r so that a message stays one log event.
let requestId;
for (const [method, level] of [["log", "INFO"], ["info", "INFO"], ["warn", "WARN"], ["error", "ERROR"], ["debug", "DEBUG"], ["trace", "TRACE"]]) {
  console[method] = (...values) => {
    const line = `${new Date().toISOString()}\t${requestId ?? "undefined"}\t${level}\t${format(...values)}`;
    process.stdout.write(line.replace(/\n/g, "\r") + "\n");
  };
}

/** The handler `file.name` names, or throws the error AWS reports at init. */
async function loadHandler(handler) {
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const separator = handler.lastIndexOf("/");
  const [moduleName, ...names] = handler.slice(separator + 1).split(".");
  const modulePath = path.join(root, handler.slice(0, separator + 1), moduleName);
  const file = [".js", ".mjs", ".cjs"].map((extension) => modulePath + extension).find((candidate) => fs.existsSync(candidate));
  if (!file || names.length === 0) {
    throw Object.assign(new Error(`Error: Cannot find module '${moduleName}'\nRequire stack:\n- /var/runtime/index.mjs`), { name: "Runtime.ImportModuleError" });
  }
  let module;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    const failure = new Error(`${error.name}: ${error.message}`);
    failure.name = error instanceof SyntaxError ? "Runtime.UserCodeSyntaxError" : "Runtime.ImportModuleError";
    failure.stack = error.stack;
    throw failure;
  }
  let target = module;
  for (const [index, name] of names.entries()) {
    target = target?.[name] ?? (index === 0 ? module.default?.[name] : undefined);
  }
  if (typeof target !== "function") {
    throw Object.assign(new Error(`${handler} is undefined or not exported`), { name: "Runtime.HandlerNotFound" });
  }
  return target;
}

/** The `context` AWS passes a handler. */
function makeContext(headers, finish) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"]);
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: headers["lambda-runtime-cognito-identity"] ? JSON.parse(headers["lambda-runtime-cognito-identity"]) : undefined,
    clientContext: headers["lambda-runtime-client-context"] ? JSON.parse(headers["lambda-runtime-client-context"]) : undefined,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: (error, result) => finish(error, result),
    succeed: (result) => finish(null, result),
    fail: (error) => finish(error ?? "handled"),
  };
}

/** Runs one event: the handler's promise, or its callback, whichever answers first. */
function invoke(handlerFunction, event, headers) {
  return new Promise((resolve) => {
    let answered = false;
    const finish = (error, result) => {
      if (answered) return;
      answered = true;
      resolve(error !== null && error !== undefined ? { error } : { result });
    };
    const context = makeContext(headers, finish);
    try {
      const returned = handlerFunction.length >= 3
        ? handlerFunction(event, context, finish)
        : handlerFunction(event, context);
      if (returned && typeof returned.then === "function") {
        returned.then((result) => finish(null, result), (error) => finish(error ?? "handled"));
      } else if (handlerFunction.length < 3) {
        finish(null, returned);
      }
    } catch (error) {
      finish(error);
    }
  });
}

const handlerName = process.argv[2] || process.env._HANDLER;
let handlerFunction;
try {
  handlerFunction = await loadHandler(handlerName);
} catch (error) {
  console.error(`${error.name}: ${error.message}`);
  await call("POST", "init/error", JSON.stringify(errorDocument(error)), { "Lambda-Runtime-Function-Error-Type": error.name });
  process.exit(1);
}

for (;;) {
  const next = await call("GET", "invocation/next");
  requestId = next.headers["lambda-runtime-aws-request-id"];
  process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"] ?? "";
  let event;
  try {
    event = JSON.parse(next.body);
  } catch (error) {
    await call("POST", `invocation/${requestId}/error`, JSON.stringify(errorDocument(error)), { "Lambda-Runtime-Function-Error-Type": "Runtime.UnmarshalError" });
    continue;
  }
  const outcome = await invoke(handlerFunction, event, next.headers);
  if ("error" in outcome) {
    const document = errorDocument(outcome.error);
    console.error(`Invoke Error \t${JSON.stringify(document)}`);
    await call("POST", `invocation/${requestId}/error`, JSON.stringify(document), { "Lambda-Runtime-Function-Error-Type": document.errorType });
  } else {
    await call("POST", `invocation/${requestId}/response`, JSON.stringify(outcome.result === undefined ? null : outcome.result));
  }
}
