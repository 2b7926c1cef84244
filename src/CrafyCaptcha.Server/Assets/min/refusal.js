/*! CrafyCaptcha for .NET — the refusal page's only script: tells the widget why the challenge was refused. */
(function(){"use strict";var i=document.body,n=i.dataset,t=document.getElementById("crafy-error");n.parentOrigin&&window.parent!==window&&window.parent.postMessage({action:"CHALLENGE_REFUSED",payload:{status:parseInt(n.status,10)||0,reason:t?t.textContent:""}},n.parentOrigin)})()
