from locker.domain.states import CompartmentState, ParcelState


def test_a_deposit_then_a_pickup_by_qr_opens_the_right_door(ctx, courier):
    from locker.services.collect_parcel import collect_by_qr

    receipt = courier.deposit()
    assert ctx.store.compartment(receipt.compartment).state is CompartmentState.OCCUPIED
    result = collect_by_qr(ctx, receipt.qr)
    assert result.compartment == receipt.compartment
    assert ctx.store.parcel(receipt.parcel.id).state is ParcelState.COLLECTED
