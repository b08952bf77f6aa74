// Every page: the header's "Sign in" link or "Sign out" button, by whether a key is held.
import { authEnabled, clearKey, getKey } from "./api.js";

const signIn = document.getElementById("signin-link");
const signOut = document.getElementById("signout-button");

export function refreshSession() {
  const on = authEnabled();
  signIn.hidden = !on || Boolean(getKey()) || document.body.dataset.page === "signin";
  signOut.hidden = !on || !getKey();
}

signOut.addEventListener("click", () => {
  clearKey();
  window.location.assign("/app/signin");
});

refreshSession();
