// Light enhancements only: every form also works without this script.
"use strict";

// A citation number opens the passage it refers to.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.cite");
  if (!link) return;
  const source = document.getElementById(`src-${link.dataset.src}`);
  if (!source) return;
  event.preventDefault();
  source.open = true;
  source.querySelector("summary").focus();
  source.scrollIntoView({ block: "nearest" });
  history.replaceState(null, "", `#src-${link.dataset.src}`);
});

// A vote goes to the API without leaving the page.
async function sendVote(form, button) {
  const data = new FormData(form);
  const session = data.get("session_id") || "anonymous";
  const body = {
    question: data.get("question"),
    answer: data.get("answer"),
    vote: button.value,
    user: `web:${session}`,
    lang: data.get("answer_lang") || null,
    session_id: data.get("session_id") || null,
    kind: data.get("kind") || null,
    sources: data.getAll("sources"),
  };
  const result = form.querySelector(".vote-result");
  try {
    const response = await fetch("/v1/feedback", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    form.querySelectorAll("button.vote").forEach((b) => { b.disabled = true; });
    button.setAttribute("aria-pressed", "true");
    result.textContent = form.dataset.thanks;
    result.classList.remove("error");
  } catch (_) {
    result.textContent = form.dataset.failed;
    result.classList.add("error");
  }
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.classList.contains("feedback") && event.submitter) {
    event.preventDefault();
    sendVote(form, event.submitter);
    return;
  }
  // A slow answer: show that the question was sent and prevent sending it twice.
  const button = form.querySelector("button[data-busy]");
  if (button) {
    button.dataset.label = button.textContent;
    button.textContent = button.dataset.busy;
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
  }
});

// Coming back to the page from history: buttons usable again.
window.addEventListener("pageshow", () => {
  document.querySelectorAll("button[data-busy][disabled]").forEach((button) => {
    button.disabled = false;
    if (button.dataset.label) button.textContent = button.dataset.label;
    button.form?.removeAttribute("aria-busy");
  });
});
