# Headless Chromium for the console's end-to-end test (test/monitoring/console.e2e.test.ts),
# driven by the playwright-core npm package (package.json) with executablePath /usr/bin/chromium:
# Playwright's own browser download is never used.
apt_install chromium
