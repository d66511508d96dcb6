"""The public FAQ page and the winners' contract pages (members of the winning organisation
only; anyone else gets a 404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ozgeris.models import Programme

from . import services
from .documents import contract_pdf
from .forms import ContractDetailsForm
from .models import Contract, FaqEntry
from .permissions import contracts_for


def faq(request):
    """The current programme's published questions and answers, in the reader's language
    (Russian where a translation is missing)."""
    programme = Programme.objects.current()
    entries = (FaqEntry.objects.filter(programme=programme, is_published=True)
               if programme else FaqEntry.objects.none())
    return render(request, "events/faq.html", {"programme": programme, "entries": entries})


@login_required
def contract_list(request):
    return render(request, "events/contract_list.html",
                  {"contracts": contracts_for(request.user).order_by("-programme__year")})


@login_required
def contract_detail(request, pk):
    contract = get_object_or_404(contracts_for(request.user), pk=pk)
    form = None
    if contract.editable_by_organisation:
        form = ContractDetailsForm(request.POST or None, instance=contract)
        if request.method == "POST" and form.is_valid():
            try:
                services.submit_contract_details(contract=contract, details=form.cleaned_data,
                                                 by=request.user)
            except services.EventsError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("The details were sent to the programme staff "
                                            "for checking."))
            return redirect("events:contract", pk=contract.pk)
    elif request.method == "POST":
        messages.error(request, _("The details were checked and can no longer be changed."))
        return redirect("events:contract", pk=contract.pk)
    return render(request, "events/contract_detail.html",
                  {"contract": contract, "form": form, "states": Contract.State})


@login_required
def contract_download(request, pk):
    contract = get_object_or_404(contracts_for(request.user), pk=pk)
    language = "kk" if request.GET.get("language") == "kk" else "ru"
    response = HttpResponse(contract_pdf(contract, language), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="contract-{contract.number}-{language}.pdf"')
    return response
