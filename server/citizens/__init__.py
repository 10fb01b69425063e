"""What a citizen does from a phone before coming to the hall: a one-time code to prove the
phone (`otp`), a number for today in the kiosk's queue (`remote`). Every step runs through the
hall's write pipeline, and its message goes through the outbox in the same transaction."""
