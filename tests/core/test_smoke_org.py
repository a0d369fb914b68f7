def test_org_fixture_places_account_in_territory(org):
    assert org.rep_account.territory == org.shanghai
    assert org.rep_account.province == "上海市"
    assert org.rep_account.primary_phone == "+8613812345678"
