// Runs once the page has loaded: proof that the (compressed) script arrived.
document.getElementById('status').textContent =
  'The script ran: it was served by the static site example.';
