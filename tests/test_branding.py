"""The brand colour from company.yaml: used as configured when readable, adjusted when not."""

import re

import pytest
from django.core.management import call_command

from trustcenter.core.branding import (
    DARK_BACKGROUNDS,
    LIGHT_BACKGROUNDS,
    brand_notice,
    brand_palette,
    contrast_ratio,
)


def test_contrast_ratio_matches_the_wcag_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # WCAG's own example: #767676 on white is the lightest grey that passes 4.5:1.
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_a_readable_colour_is_used_as_configured_in_the_light_scheme():
    palette = brand_palette("#1d4ed8")
    assert palette.light == "#1d4ed8"
    # Too dark for the dark scheme's background, so that one is lightened.
    assert palette.dark != "#1d4ed8"
    assert min(contrast_ratio(palette.dark, bg) for bg in DARK_BACKGROUNDS) >= 4.5


@pytest.mark.parametrize("color", ["#ffe600", "#ffffff", "#000000", "#00ff00", "#777777", "#1d4ed8", "#ff0080"])
def test_every_colour_ends_up_readable_on_both_schemes(color):
    palette = brand_palette(color)
    assert min(contrast_ratio(palette.light, bg) for bg in LIGHT_BACKGROUNDS) >= 4.5
    assert min(contrast_ratio(palette.dark, bg) for bg in DARK_BACKGROUNDS) >= 4.5
    # button text: white on the light-scheme brand, the dark background on the dark-scheme brand
    assert contrast_ratio(palette.light, "#ffffff") >= 4.5
    assert contrast_ratio(palette.dark, DARK_BACKGROUNDS[0]) >= 4.5


def test_an_adjusted_colour_keeps_its_hue():
    palette = brand_palette("#ffe600")  # bright yellow: 1.3:1 on white
    r, g, b = (int(palette.light[i : i + 2], 16) for i in (1, 3, 5))
    assert r > b and g > b, palette.light  # still a yellow, only darker


def test_brand_css_serves_the_adjusted_colours(client, published):
    company_yaml = published / "company.yaml"
    company_yaml.write_text(
        re.sub(r'primary_color: "#[0-9a-f]{6}"', 'primary_color: "#ffe600"', company_yaml.read_text())
    )
    css = client.get("/brand.css").content.decode()
    palette = brand_palette("#ffe600")
    assert f"--brand: {palette.light};" in css
    assert f"--brand: {palette.dark};" in css
    assert "prefers-color-scheme: dark" in css
    assert "#ffe600" in css  # still available for decoration (--brand-configured)


def test_publish_tells_the_author_when_their_colour_was_adjusted(published, capsys):
    company_yaml = published / "company.yaml"
    company_yaml.write_text(
        re.sub(r'primary_color: "#[0-9a-f]{6}"', 'primary_color: "#ffe600"', company_yaml.read_text())
    )
    call_command("publish", str(published))
    err = capsys.readouterr().err
    assert "primary_color #ffe600 reads at 1.3:1 on white" in err, err
    assert brand_palette("#ffe600").light in err


def test_a_colour_readable_on_the_light_pages_gives_no_notice():
    assert brand_notice("#1d4ed8") is None
    assert "reads at" in brand_notice("#7dd3fc")  # a light sky blue: 1.7:1 on white
