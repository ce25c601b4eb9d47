// Deal board: drag a card to another column (SortableJS) and the card's own stage form is
// submitted through htmx, exactly as when someone picks a stage and presses Move (the
// keyboard path, which also works without JavaScript). Moving to a lost stage first asks
// for the reason in a modal. The server answers with the fresh card; its data-stage says
// which column it belongs in, so a refused move puts the card back where it was.
(function () {
  "use strict";

  var origins = {}; // card id -> {list, next}: where a dragged card came from
  var asking = null; // the card form waiting for a lost reason
  var confirmed = false;

  function board() {
    return document.querySelector(".deal-board");
  }

  function listFor(stage) {
    var lists = document.querySelectorAll(".board-cards");
    for (var i = 0; i < lists.length; i += 1) {
      if (lists[i].dataset.stage === stage) {
        return lists[i];
      }
    }
    return null;
  }

  // As the server writes it (salesmgmt/templatetags/money.py): the currency's own digits,
  // the page language's symbol and separators.
  function formatAmount(value, currency) {
    var lang = document.documentElement.lang || undefined;
    if (currency) {
      try {
        return new Intl.NumberFormat(lang, { style: "currency", currency: currency }).format(value);
      } catch (e) {
        // an unknown currency code: fall through to a plain number
      }
    }
    return new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(value);
  }

  function recount() {
    document.querySelectorAll(".board-cards").forEach(function (list) {
      var column = list.closest("[data-column]");
      var cards = list.querySelectorAll(".deal-card");
      var total = 0;
      cards.forEach(function (card) {
        total += parseFloat(card.dataset.amount) || 0;
      });
      var hint = list.querySelector(".drop-hint");
      if (hint) {
        hint.hidden = cards.length > 0;
      }
      if (!column) {
        return;
      }
      var count = column.querySelector("[data-column-count]");
      var amount = column.querySelector("[data-column-amount]");
      if (count) {
        count.textContent = String(cards.length);
      }
      if (amount) {
        amount.textContent = formatAmount(total, amount.dataset.currency);
      }
    });
  }

  function announce(text) {
    var status = document.getElementById("board-status");
    if (status) {
      status.textContent = text;
    }
  }

  function showError(text) {
    var box = document.getElementById("messages");
    if (!box || !text) {
      return;
    }
    var alert = document.createElement("div");
    alert.className = "alert alert-danger";
    alert.setAttribute("role", "alert");
    alert.textContent = text;
    box.appendChild(alert);
    announce(text);
  }

  function stageSelect(card) {
    return card.querySelector("form.deal-move select[name=stage]");
  }

  function selectedOutcome(form) {
    var select = form.querySelector("select[name=stage]");
    var option = select && select.options[select.selectedIndex];
    return option ? option.dataset.outcome : "";
  }

  // Put a card back where the drag started (or into its own stage's column).
  function restore(card) {
    var origin = origins[card.id];
    delete origins[card.id];
    if (origin && origin.list.isConnected) {
      origin.list.insertBefore(card, origin.next && origin.next.parentNode === origin.list ? origin.next : null);
    } else {
      place(card);
    }
    var select = stageSelect(card);
    if (select) {
      select.value = card.dataset.stage;
    }
    recount();
  }

  // A card fresh from the server: make sure it sits in the column of its stage.
  function place(card) {
    var origin = origins[card.id];
    var list = listFor(card.dataset.stage);
    if (list && card.parentNode !== list) {
      if (origin && origin.list === list) {
        list.insertBefore(card, origin.next && origin.next.parentNode === list ? origin.next : null);
      } else {
        list.insertBefore(card, list.firstChild);
      }
    }
    delete origins[card.id];
  }

  function submit(form) {
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      window.htmx.trigger(form, "submit");
    }
  }

  // --- the lost-reason modal ---------------------------------------------------------------

  function modal() {
    var element = document.getElementById("lost-reason-modal");
    return element && window.bootstrap ? window.bootstrap.Modal.getOrCreateInstance(element) : null;
  }

  function askReason(form) {
    var dialog = modal();
    var text = document.getElementById("lost-reason-text");
    var card = form.closest(".deal-card");
    if (!dialog || !text || !card) {
      return false;
    }
    asking = form;
    confirmed = false;
    text.value = "";
    text.classList.remove("is-invalid");
    document.getElementById("lost-reason-deal").textContent = card.dataset.title || "";
    dialog.show();
    return true;
  }

  function setUpModal() {
    var element = document.getElementById("lost-reason-modal");
    var reasonForm = document.getElementById("lost-reason-form");
    if (!element || !reasonForm) {
      return;
    }
    element.addEventListener("shown.bs.modal", function () {
      document.getElementById("lost-reason-text").focus();
    });
    reasonForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = document.getElementById("lost-reason-text");
      var reason = text.value.trim();
      if (!reason) {
        text.classList.add("is-invalid");
        text.focus();
        return;
      }
      if (asking) {
        asking.querySelector("input[name=lost_reason]").value = reason;
        confirmed = true;
        modal().hide();
      }
    });
    element.addEventListener("hidden.bs.modal", function () {
      var form = asking;
      asking = null;
      if (!form) {
        return;
      }
      var card = form.closest(".deal-card");
      if (confirmed) {
        submit(form);
      } else if (card) {
        restore(card);
      }
    });
  }

  // A card form moving to a lost stage without a reason asks for one first (capture phase,
  // so htmx never sends the request). Without JavaScript the server asks on its own page.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("deal-move")) {
      return;
    }
    var reason = form.querySelector("input[name=lost_reason]");
    if (selectedOutcome(form) === "lost" && reason && !reason.value.trim()) {
      if (askReason(form)) {
        event.preventDefault();
        event.stopPropagation();
      }
    }
  }, true);

  // --- drag and drop -----------------------------------------------------------------------

  function onEnd(event) {
    if (event.from === event.to) {
      return;
    }
    var card = event.item;
    var select = stageSelect(card);
    var form = card.querySelector("form.deal-move");
    if (!select || !form) {
      return;
    }
    // Remember the card's old neighbour to put it back if the move is refused.
    var siblings = Array.prototype.filter.call(event.from.children, function (child) {
      return child.classList.contains("deal-card");
    });
    origins[card.id] = { list: event.from, next: siblings[event.oldDraggableIndex] || null };
    select.value = event.to.dataset.stage;
    recount();
    submit(form);
  }

  function setUpSortable() {
    if (typeof window.Sortable === "undefined") {
      return;
    }
    document.querySelectorAll(".board-cards").forEach(function (list) {
      window.Sortable.create(list, {
        group: "deals",
        draggable: ".deal-card",
        filter: "select, button, input, textarea, label, a",
        preventOnFilter: false,
        animation: 150,
        emptyInsertThreshold: 24,
        sort: false,
        onEnd: onEnd
      });
    });
  }

  // --- server answers ----------------------------------------------------------------------

  function setUpResponses() {
    window.htmx.onLoad(function (element) {
      var cards = element.classList && element.classList.contains("deal-card")
        ? [element]
        : element.querySelectorAll(".deal-card");
      Array.prototype.forEach.call(cards, function (card) {
        if (card.parentNode && !card.closest(".board-cards[data-stage='" + card.dataset.stage + "']")) {
          place(card);
        }
        delete origins[card.id];
      });
      recount();
    });
    // SortableJS leaves an empty style attribute on cards it moved; htmx copies the old
    // element's attributes onto the new one while settling, which the CSP (style-src
    // 'self') refuses. The attribute carries nothing by now, so drop it before the swap.
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      var target = event.detail && event.detail.target;
      if (target && target.classList && target.classList.contains("deal-card")) {
        target.removeAttribute("style");
      }
    });
    // Answers that are not swapped (403, 404, 500, network): put the card back.
    ["htmx:responseError", "htmx:sendError"].forEach(function (name) {
      document.body.addEventListener(name, function (event) {
        var form = event.detail && event.detail.elt;
        var card = form && form.closest && form.closest(".deal-card");
        if (card) {
          restore(card);
          showError(board().dataset.msgFailed || "");
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!board() || typeof window.htmx === "undefined") {
      return;
    }
    setUpModal();
    setUpSortable();
    setUpResponses();
  });
})();
