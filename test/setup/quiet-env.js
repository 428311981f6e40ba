// The AWS SDK warns once per process that it will need Node 22 from 2027; CI runs Node 20 on
// purpose (package.json engines), so the warning is noise in every test run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
