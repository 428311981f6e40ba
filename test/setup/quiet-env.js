// The AWS SDK warns once per process that it will need Node 22 from 2027; CI runs Node 20 on
// purpose (package.json engines), so the warning is noise in every test run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Each service a test starts would bind the metrics port (9464), and many start at once: a free
// port each. Tests that scrape read it from the "metrics on" line.
process.env.METRICS_LISTEN ??= '127.0.0.1:0';
