// Chat page: send the question, stream the answer token by token, allow stopping it.
(function () {
  "use strict";
  const form = document.getElementById("ask-form");
  if (!form) return;
  const thread = document.getElementById("thread");
  const question = document.getElementById("question");
  const askButton = document.getElementById("ask-button");
  const stopButton = document.getElementById("stop-button");
  const errorBox = document.getElementById("ask-error");
  let controller = null;

  function addPendingTurn(text) {
    const empty = thread.querySelector(".empty-thread");
    if (empty) empty.remove();
    const turn = document.createElement("article");
    turn.className = "turn streaming";
    const asked = document.createElement("div");
    asked.className = "question";
    asked.textContent = text;
    const answer = document.createElement("div");
    answer.className = "answer";
    const body = document.createElement("div");
    body.className = "answer-text";
    body.innerHTML = '<span class="thinking">Searching the manuals…</span>';
    answer.appendChild(body);
    turn.append(asked, answer);
    thread.appendChild(turn);
    turn.scrollIntoView({ block: "end" });
    return { turn, body };
  }

  // A stopped stream is recorded by the server a moment after the browser hangs up.
  async function replaceWithFinal(turn, answerId) {
    const url = form.dataset.answerUrl.replace("/0/", "/" + answerId + "/");
    for (let attempt = 0; attempt < 10; attempt++) {
      const response = await fetch(url);
      if (!response.ok) break;
      const html = await response.text();
      if (!html.includes('data-status="streaming"') || attempt === 9) {
        turn.outerHTML = html;
        document.getElementById("answer-" + answerId).scrollIntoView({ block: "end" });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    turn.classList.remove("streaming", "started");
  }

  function showPlace(body, ahead, waitSeconds) {
    const wait = waitSeconds < 90 ? "about " + Math.max(waitSeconds, 5) + " s" : "about " + Math.round(waitSeconds / 60) + " min";
    const place = document.createElement("span");
    place.className = "thinking";
    place.textContent = (ahead === 1 ? "1 question is" : ahead + " questions are") + " ahead of yours; " + wait + ".";
    body.replaceChildren(place);
  }

  function setBusy(busy) {
    askButton.hidden = busy;
    stopButton.hidden = !busy;
    question.disabled = busy;
  }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = false;
  }

  function rememberConversation(id, title) {
    if (form.querySelector('input[name="conversation"]')) return;
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "conversation";
    input.value = id;
    form.appendChild(input);
    const url = form.dataset.conversationUrl.replace("/0/", "/" + id + "/");
    history.replaceState(null, "", url);
    const list = document.querySelector(".conversation-list");
    const link = document.createElement("a");
    link.href = url;
    link.className = "active";
    link.title = title;
    link.textContent = title;
    const item = document.createElement("li");
    item.appendChild(link);
    list.querySelectorAll(".muted").forEach((placeholder) => placeholder.remove());
    list.prepend(item);
  }

  async function ask(event) {
    event.preventDefault();
    const text = question.value.trim();
    if (!text) return;
    errorBox.hidden = true;
    const data = new FormData(form);
    const { turn, body } = addPendingTurn(text);
    question.value = "";
    setBusy(true);
    controller = new AbortController();
    let answerId = null;
    let started = false;
    let finished = false;
    try {
      const response = await fetch(form.action, { method: "POST", body: data, signal: controller.signal });
      // 400: the question was refused; 429 and 503: the line for the model is full or holds the reader's question.
      if ([400, 429, 503].includes(response.status)) throw new Error(await response.text());
      if (response.redirected) throw new Error("You were logged out. Reload the page to log in again.");
      if (!response.ok || !(response.headers.get("Content-Type") || "").startsWith("text/event-stream")) {
        throw new Error("The server could not take the question (HTTP " + response.status + "). Reload the page and try again.");
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let boundary;
        while ((boundary = buffer.indexOf("\n\n")) >= 0) {
          const line = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          if (!line.startsWith("data: ")) continue;
          const message = JSON.parse(line.slice(6));
          if (message.type === "meta") {
            answerId = message.answer;
            rememberConversation(message.conversation, text);
          } else if (message.type === "queue") {
            showPlace(body, message.ahead, message.wait_s);
          } else if (message.type === "turn") {
            body.innerHTML = '<span class="thinking">Searching the manuals…</span>';
          } else if (message.type === "reasoning") {
            body.innerHTML = '<span class="thinking">Reasoning through the sources…</span>';
          } else if (message.type === "token") {
            if (!started) {
              body.textContent = "";
              turn.classList.add("started");
            }
            body.textContent += started ? message.text : message.text.trimStart();
            started = true;
            turn.scrollIntoView({ block: "end" });
          } else if (message.type === "done") {
            finished = true;
          }
        }
      }
      if (!finished) throw new Error("The server closed the connection early. Ask again; if it keeps happening, tell an admin.");
    } catch (error) {
      if (error.name === "AbortError") {
        if (!answerId) body.textContent = "Stopped before the answer began.";
      } else if (answerId) {
        showError("The answer broke off before the end. Ask again; if it keeps happening, tell an admin.");
      } else {
        // Nothing was recorded: take the turn back so the question can be sent again.
        turn.remove();
        question.value = text;
        showError(error.message);
      }
    } finally {
      setBusy(false);
      controller = null;
      question.focus();
    }
    if (answerId) await replaceWithFinal(turn, answerId);
    else turn.classList.remove("streaming", "started");
  }

  // An opened conversation shows its latest answer, next to the question box.
  if (!location.hash && thread.lastElementChild) thread.lastElementChild.scrollIntoView({ block: "end" });
  form.addEventListener("submit", ask);
  // Thumbs up or down: post the small form and swap in the refreshed answer.
  thread.addEventListener("submit", async (event) => {
    const feedback = event.target.closest("form.feedback");
    if (!feedback) return;
    event.preventDefault();
    const response = await fetch(feedback.action, {
      method: "POST",
      body: new FormData(feedback, event.submitter),
      headers: { "X-Requested-With": "fetch" },
    });
    if (response.ok) feedback.closest(".turn").outerHTML = await response.text();
  });
  stopButton.addEventListener("click", () => controller && controller.abort());
  question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
