// The drop page of a share link: files chosen or dropped go, each with its
// own progress line, straight to a signed URL that the page's server hands
// out one file at a time. The server owns every rule (names, sizes, existing
// files); this module only shows its answers, as text.

const root = document.getElementById("share-drop");
const form = document.getElementById("share-drop-form");
const input = document.getElementById("share-drop-input");
const list = document.getElementById("share-drop-list");

function line(file) {
  const item = document.createElement("li");
  const name = document.createElement("span");
  name.textContent = file.name;
  const bar = document.createElement("progress");
  bar.max = 100;
  bar.value = 0;
  const status = document.createElement("span");
  status.className = "muted small";
  status.textContent = " waiting";
  item.append(name, " ", bar, status);
  list.append(item);
  return {
    item,
    progress(fraction) { bar.value = Math.round(fraction * 100); status.textContent = ` ${bar.value}%`; },
    done(text, ok) { bar.value = ok ? 100 : bar.value; status.textContent = ` ${text}`; item.dataset.state = ok ? "done" : "failed"; },
  };
}

async function signedUrl(file) {
  const body = new URLSearchParams({ name: file.name, content_type: file.type || "application/octet-stream" });
  const response = await fetch(root.dataset.uploadUrl, {
    method: "POST", body, credentials: "same-origin",
    headers: { "X-CSRFToken": root.dataset.csrf, Accept: "application/json" },
  });
  const data = await response.json().catch(() => ({ detail: `The server answered ${response.status}.` }));
  if (!response.ok) throw new Error(data.detail || `The server answered ${response.status}.`);
  return data;
}

function put(signed, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(signed.method, signed.url);
    for (const [name, value] of Object.entries(signed.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => { if (event.lengthComputable) onProgress(event.loaded / event.total); };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else if (xhr.status === 412 || xhr.status === 409) reject(new Error("a file of this name is there already"));
      else reject(new Error(`storage answered ${xhr.status}`));
    };
    xhr.onerror = () => reject(new Error("the connection failed"));
    xhr.send(file);
  });
}

async function send(files) {
  const max = Number(root.dataset.maxBytes);
  for (const file of files) {
    const row = line(file);
    if (file.size > max) { row.done("too large", false); continue; }
    try {
      const signed = await signedUrl(file);
      row.progress(0);
      await put(signed, file, row.progress);
      row.done("sent", true);
    } catch (error) {
      row.done(`not sent: ${error.message}`, false);
    }
  }
}

if (root && form && input && list) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send([...input.files]).then(() => { input.value = ""; });
  });
  input.addEventListener("change", () => {
    send([...input.files]).then(() => { input.value = ""; });
  });
  for (const type of ["dragenter", "dragover"]) {
    form.addEventListener(type, (event) => { event.preventDefault(); form.classList.add("is-over"); });
  }
  form.addEventListener("dragleave", () => form.classList.remove("is-over"));
  form.addEventListener("drop", (event) => {
    event.preventDefault();
    form.classList.remove("is-over");
    send([...event.dataTransfer.files]);
  });
}
