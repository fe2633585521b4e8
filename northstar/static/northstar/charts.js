// Draws the Vega-Lite charts of a page: every element with data-chart-spec="ID" gets the spec in
// the JSON script element ID (written by the view, with the figures of the table beside it).
// Rendered as SVG with Vega's expression interpreter (no eval, so a strict Content Security
// Policy is fine) and no network access. The table beside each chart is its text alternative,
// so a chart that cannot be drawn says so and leaves the table to do the work.
(function () {
  "use strict";

  function unavailable(element, reason) {
    element.classList.add("ns-chart--unavailable");
    element.textContent = "The chart could not be drawn (" + reason + "). The table has the same figures.";
  }

  function draw(element) {
    const source = document.getElementById(element.dataset.chartSpec);
    if (!source) {
      unavailable(element, "no chart data");
      return;
    }
    if (typeof window.vegaEmbed !== "function" || typeof window.vega === "undefined") {
      unavailable(element, "the charting library is not installed");
      return;
    }
    const spec = JSON.parse(source.textContent);
    window
      .vegaEmbed(element, spec, {
        renderer: "svg",
        actions: false,
        ast: true,
        expr: window.vega.expressionInterpreter,
        loader: window.vega.loader({ mode: "http", baseURL: "" }),
      })
      .then(function (result) {
        element.dataset.chartReady = "true";
        const svg = element.querySelector("svg");
        if (svg && element.dataset.chartLabel) {
          svg.setAttribute("aria-label", element.dataset.chartLabel);
        }
        return result;
      })
      .catch(function (error) {
        unavailable(element, error && error.message ? error.message : "an error");
      });
  }

  document.querySelectorAll("[data-chart-spec]").forEach(draw);
})();
