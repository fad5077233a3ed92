package org.kith.node.profile;

import java.util.List;

/** Short community notes in three clearly different subjects, for tests with the real model. */
final class Sentences {
  private Sentences() {}

  static final List<String> BIKES = List.of(
      "The bike chain keeps slipping, so I adjusted the derailleur and oiled the chain.",
      "Fixed a flat bike tire: patch the inner tube, then pump the tire to the right pressure.",
      "My bike brakes squeal; new brake pads and a cleaned rim stopped the noise.",
      "To true a bike wheel, tighten the spokes a quarter turn at a time.",
      "Replaced the worn bike chain and cassette; the gears shift cleanly again.",
      "Adjust the brake cable tension on the bike until the brake lever feels firm.");

  static final List<String> GARDEN = List.of(
      "Planted tomato seedlings in the garden bed and watered the soil deeply.",
      "Compost from kitchen scraps makes the garden soil rich for vegetables.",
      "Pull weeds in the vegetable garden after rain, when the soil is soft.",
      "The tomato plants need stakes and mulch around them to keep the soil moist.",
      "Sow lettuce and carrot seeds in the garden in early spring.",
      "Water the vegetable beds in the morning so the soil stays moist all day.");

  static final List<String> CHILDCARE = List.of(
      "The toddler naps after lunch; a quiet bedtime story helps the child settle.",
      "Babysitting tips: keep snacks ready and a list of emergency phone numbers for the child.",
      "Our toddler loves the playground; the children take turns on the swings.",
      "A consistent bedtime routine helps a young child sleep through the night.",
      "Childcare swap: parents take turns watching the children on weekday afternoons.",
      "Packing a diaper bag for the toddler: diapers, wipes, snacks and a spare outfit.");
}
