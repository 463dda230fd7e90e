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

  async function replaceWithFinal(turn, answerId) {
    const url = form.dataset.answerUrl.replace("/0/", "/" + answerId + "/");
    const response = await fetch(url);
    if (response.ok) turn.outerHTML = await response.text();
  }

  function setBusy(busy) {
    askButton.hidden = busy;
    stopButton.hidden = !busy;
    question.disabled = busy;
  }

  function rememberConversation(id) {
    if (!form.querySelector('input[name="conversation"]')) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "conversation";
      input.value = id;
      form.appendChild(input);
      history.replaceState(null, "", "/chat/c/" + id + "/");
    }
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
    try {
      const response = await fetch(form.action, { method: "POST", body: data, signal: controller.signal });
      if (!response.ok) throw new Error(await response.text());
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
            rememberConversation(message.conversation);
          } else if (message.type === "token") {
            if (!started) body.textContent = "";
            started = true;
            body.textContent += message.text;
            turn.scrollIntoView({ block: "end" });
          }
        }
      }
    } catch (error) {
      if (error.name !== "AbortError") {
        errorBox.textContent = String(error.message || error);
        errorBox.hidden = false;
      }
    } finally {
      setBusy(false);
      controller = null;
      question.focus();
    }
    if (answerId) await replaceWithFinal(turn, answerId);
  }

  form.addEventListener("submit", ask);
  stopButton.addEventListener("click", () => controller && controller.abort());
  question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
