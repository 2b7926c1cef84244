using Microsoft.AspNetCore.Mvc;

namespace CrafyCaptcha.Sample.Controllers;

public sealed class HomeController : Controller
{
    public IActionResult Index() => View();
}
