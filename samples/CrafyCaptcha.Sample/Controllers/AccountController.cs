using CrafyCaptcha.AspNetCore;
using CrafyCaptcha.Sample.Models;
using Microsoft.AspNetCore.Mvc;

namespace CrafyCaptcha.Sample.Controllers;

/// <summary>MVC: the login form, protected by an attribute.</summary>
public sealed class AccountController : Controller
{
    [HttpGet]
    public IActionResult Login() => View(new LoginModel());

    [HttpPost]
    [ValidateAntiForgeryToken]
    [RequireCrafyCaptcha("login")]
    public IActionResult Login(LoginModel model)
    {
        if (!ModelState.IsValid)
        {
            return View(model); // the captcha error is in ModelState; the user's input stays in the form
        }

        return View("Welcome", model);
    }
}
