// The rules the server owns (sort keys and labels, a column's first
// direction, the media-type pattern, the storage scheme, the status line's
// wording), as the page embeds them with {% browser_rules %}. Python
// (storage/rules.py) is their one source; nothing here repeats them.

let cached = null;

export function rules() {
  if (!cached) {
    const blob = document.getElementById("fb-rules");
    cached = JSON.parse(blob ? blob.textContent : "{}");
  }
  return cached;
}
