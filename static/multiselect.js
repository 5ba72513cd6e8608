/* The compose form's audience lists (templates/bulletins/_multiselect.html): a search box, "Select all" and
   "Clear" for what the search shows, a "select all" per group, and a count of what is chosen. Progressive
   enhancement: the real checkboxes stay the form's fields, so the form works the same without this script.
   Also focuses a page's error summary (GOV.UK pattern) where the browser ignored its autofocus. */
(function () {
  "use strict";

  function button(text, label) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "btn btn-sm btn-outline-secondary";
    element.textContent = text;
    if (label) { element.setAttribute("aria-label", label); }
    return element;
  }

  function labelOf(option) {
    var label = option.querySelector("label");
    return label ? label.textContent.trim() : "";
  }

  function setChecked(options, checked) {
    options.forEach(function (option) {
      var box = option.querySelector("input[type=checkbox]");
      if (box && !box.disabled && box.checked !== checked) {
        box.checked = checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  function enhance(root, number) {
    var legend = root.querySelector("legend");
    var name = legend ? legend.textContent.trim() : "options";
    var box = root.querySelector("[data-multiselect-box]");
    var options = Array.prototype.slice.call(root.querySelectorAll("[data-multiselect-option]"));
    if (!box || !options.length) { return; }

    var tools = document.createElement("div");
    tools.className = "multiselect-tools";
    var searchId = "multiselect-search-" + number;
    var searchLabel = document.createElement("label");
    searchLabel.className = "visually-hidden";
    searchLabel.htmlFor = searchId;
    searchLabel.textContent = "Search " + name;
    var search = document.createElement("input");
    search.type = "search";
    search.id = searchId;
    search.className = "form-control form-control-sm";
    search.placeholder = "Search " + name.toLowerCase();
    search.autocomplete = "off";
    search.setAttribute("aria-controls", box.id || "");
    var selectAll = button("Select all", "Select all " + name.toLowerCase() + " shown");
    var clear = button("Clear", "Clear the " + name.toLowerCase() + " shown");
    var count = document.createElement("span");
    count.className = "multiselect-count small";
    count.setAttribute("aria-live", "polite");
    tools.append(searchLabel, search, selectAll, clear, count);
    root.insertBefore(tools, box);

    function shown() {
      return options.filter(function (option) { return !option.hidden; });
    }

    function updateCount() {
      var chosen = options.filter(function (option) {
        return option.querySelector("input[type=checkbox]").checked;
      }).length;
      count.textContent = chosen + " of " + options.length + " selected";
    }

    function filter() {
      var query = search.value.trim().toLowerCase();
      options.forEach(function (option) {
        option.hidden = query !== "" && labelOf(option).toLowerCase().indexOf(query) === -1;
      });
      root.querySelectorAll("[data-multiselect-group]").forEach(function (group) {
        group.hidden = !group.querySelector("[data-multiselect-option]:not([hidden])");
      });
    }

    root.querySelectorAll("[data-multiselect-group]").forEach(function (group) {
      var groupLegend = group.querySelector("legend");
      if (!groupLegend) { return; }
      var groupName = groupLegend.textContent.trim();
      var all = button("Select all", "Select all in " + groupName);
      all.classList.add("btn-link", "multiselect-group-all");
      all.classList.remove("btn-outline-secondary");
      all.addEventListener("click", function () {
        setChecked(Array.prototype.slice.call(group.querySelectorAll("[data-multiselect-option]:not([hidden])")), true);
      });
      groupLegend.appendChild(all);
    });

    search.addEventListener("input", filter);
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }  // searching must not send the form
      if (event.key === "Escape" && search.value) { event.preventDefault(); search.value = ""; filter(); }
    });
    selectAll.addEventListener("click", function () { setChecked(shown(), true); });
    clear.addEventListener("click", function () { setChecked(shown(), false); });
    root.addEventListener("change", updateCount);
    root.classList.add("is-enhanced");
    updateCount();
  }

  function start() {
    document.querySelectorAll("[data-multiselect]").forEach(enhance);
    var summary = document.querySelector("[data-error-summary]");
    if (summary && document.activeElement !== summary) {
      summary.focus();
      summary.scrollIntoView({ block: "start" });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
