// Sign in: check the key on a cheap authenticated route, then keep it for this tab's session.
import { apiFetch, clearError, getKey, safeNext, setKey, showError, showMessage, ApiError } from "./api.js";
import { refreshSession } from "./session.js";

const form = document.getElementById("signin-form");
const field = document.getElementById("api-key");
const errorSlot = document.getElementById("signin-error");
const signedIn = document.getElementById("signed-in");

function showSignedIn() {
  form.hidden = Boolean(getKey());
  signedIn.hidden = !getKey();
}

if (form) {
  showSignedIn();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError(errorSlot);
    const key = field.value.trim();
    if (!key) {
      showMessage(errorSlot, "Enter your API key.");
      field.focus();
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await apiFetch("/api/v1/retrieval/metadata/courts", { key });
      setKey(key);
      field.value = "";
      refreshSession();
      window.location.assign(safeNext(new URLSearchParams(window.location.search).get("next")));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        showMessage(errorSlot, "That API key was not accepted. Check it and try again.");
      } else {
        showError(errorSlot, err);
      }
      field.focus();
    } finally {
      button.disabled = false;
    }
  });
}
