// The console's template editor: a live preview of the sign-in email as the researcher types,
// and "Send me a test". Both call the admin API with the console session's cookie and its CSRF
// token (X-CSRF-Token). The email's HTML is shown only in sandboxed frames (no scripts, no
// same-origin), and every other text goes in with textContent, never as markup.
"use strict";
(function () {
  const form = document.getElementById("template-form");
  if (!form) return;
  const study = form.dataset.study;
  const csrf = form.dataset.csrf;
  const base = "/v3/studies/" + encodeURIComponent(study) + "/emailSignInTemplate";
  const fields = {
    subject: document.getElementById("subject"),
    body: document.getElementById("body"),
    mimeType: document.getElementById("mimeType"),
  };
  const status = document.getElementById("preview-status");
  let timer = null;
  let asked = 0;

  function template() {
    return { subject: fields.subject.value, body: fields.body.value, mimeType: fields.mimeType.value };
  }

  function showError(id, messages) {
    const box = document.getElementById(id + "-error");
    const input = document.getElementById(id);
    if (!box || !input) return false;
    if (messages && messages.length) {
      box.textContent = messages.join(" ");
      box.hidden = false;
      input.setAttribute("aria-invalid", "true");
    } else {
      box.textContent = "";
      box.hidden = true;
      input.removeAttribute("aria-invalid");
    }
    return true;
  }

  // Bridge's errors name fields by path: "template.body", "emailSignInTemplate.subject", "email".
  function showErrors(errors) {
    const left = [];
    const byField = { subject: [], body: [], mimeType: [] };
    for (const [path, messages] of Object.entries(errors || {})) {
      const last = path.split(".").pop();
      if (last in byField && path !== last) byField[last].push(...messages);
      else left.push(...messages.map((m) => path + ": " + m));
    }
    for (const name of Object.keys(byField)) showError(name, byField[name]);
    return left;
  }

  function escaped(text) {
    const div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function plainAsHtml(text) {
    return '<pre style="white-space:pre-wrap;font:15px/1.5 system-ui,sans-serif;margin:12px">' +
      escaped(text) + "</pre>";
  }

  async function call(path, body) {
    const answer = await fetch(base + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    let json = null;
    try { json = await answer.json(); } catch (e) { json = null; }
    return { status: answer.status, json: json };
  }

  async function refresh() {
    const mine = ++asked;
    status.textContent = "Updating preview…";
    let answer;
    try {
      answer = await call("/preview", { template: template() });
    } catch (e) {
      if (mine === asked) status.textContent = "The preview could not be reached; check your connection.";
      return;
    }
    if (mine !== asked) return; // a newer preview is on its way
    if (answer.status === 200) {
      showErrors({});
      const preview = answer.json;
      const html = preview.html !== null ? preview.html : plainAsHtml(preview.text);
      document.getElementById("preview-phone").srcdoc = html;
      document.getElementById("preview-desktop").srcdoc = html;
      document.getElementById("preview-subject").textContent = preview.subject;
      document.getElementById("preview-text").textContent = preview.text;
      const list = document.getElementById("preview-warnings");
      list.textContent = "";
      for (const warning of preview.warnings) {
        const item = document.createElement("li");
        item.textContent = "Note: " + warning;
        list.appendChild(item);
      }
      status.textContent = "Preview up to date.";
    } else if (answer.status === 400 && answer.json) {
      const left = showErrors(answer.json.errors);
      status.textContent = "The preview shows the last version without errors. " +
        (left.length ? left.join(" ") : "Fix the marked field to update it.");
    } else if (answer.status === 401) {
      status.textContent = "Your session has ended. Sign in again (your text is still here: copy it first).";
    } else {
      status.textContent = (answer.json && answer.json.message) || "The preview failed (" + answer.status + ").";
    }
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 350);
  }
  for (const input of Object.values(fields)) {
    input.addEventListener("input", soon);
    input.addEventListener("change", soon);
  }
  refresh();

  const send = document.getElementById("send-test");
  const testEmail = document.getElementById("test-email");
  const testStatus = document.getElementById("test-status");
  send.addEventListener("click", async function () {
    testStatus.textContent = "Sending…";
    send.disabled = true;
    try {
      const answer = await call("/test", { email: testEmail.value, template: template() });
      if (answer.status === 202) {
        showError("test-email", []);
        testStatus.textContent = "Sent to " + testEmail.value + ". It should arrive within a minute.";
      } else if (answer.status === 400 && answer.json) {
        const errors = answer.json.errors || {};
        showError("test-email", errors.email || []);
        delete errors.email;
        const left = showErrors(errors);
        testStatus.textContent = "Not sent: fix the marked field. " + left.join(" ");
      } else {
        testStatus.textContent = "Not sent: " + ((answer.json && answer.json.message) || answer.status);
      }
    } catch (e) {
      testStatus.textContent = "Not sent: the service could not be reached.";
    } finally {
      send.disabled = false;
    }
  });
})();
