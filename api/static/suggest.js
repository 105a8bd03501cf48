// Autocomplete for the search box: fills its <datalist> from /v1/suggest.
// Progressive: without this script the box is an ordinary text field.
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest]");
  if (!input || !window.fetch) { return; }
  var list = document.getElementById(input.getAttribute("list"));
  var field = input.getAttribute("data-suggest");
  var timer = null;
  var lastPrefix = "";
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var words = input.value.trim().split(/\s+/);
      var prefix = input.value.trim();
      if (prefix.length < 2 || prefix === lastPrefix || words.length > 4) { return; }
      lastPrefix = prefix;
      var url = "/v1/suggest?field=" + encodeURIComponent(field) +
                "&prefix=" + encodeURIComponent(prefix) + "&size=8";
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (body) {
          list.textContent = "";
          body.suggestions.forEach(function (value) {
            var option = document.createElement("option");
            option.value = value;
            list.appendChild(option);
          });
        })
        .catch(function () { /* suggestions are a nicety; typing still works */ });
    }, 150);
  });
})();
